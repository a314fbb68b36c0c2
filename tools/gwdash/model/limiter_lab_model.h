// The rate-limiter lab's data: the same traffic (every request a simulated client hands the
// gateway) fed to the seven algorithms side by side, each the gateway's own limiter class
// with parameters equivalent to one reference limit (lab_limiter.h). Per algorithm it keeps
// admitted/denied per simulated second, the watched key's gauge every 100 ms (tokens, window
// count, log, GCRA's TAT, the leaky queue, in flight) and the most one key got through in
// any window of the reference length, which shows fixed_window's 2x at a boundary.
// Attached to a live gatewayd (no arrivals), it keeps the gateway's rate_limits stores'
// counters from the snapshots instead. Everything is keyed by simulated time, so a run fed
// in small steps equals one fed in a jump. Dashboard thread only; no ImGui.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "libgateway/config/config.h"
#include "libgateway/ratelimit/limiter_gauge.h"
#include "tools/gwdash/model/dashboard_listener.h"
#include "tools/gwdash/model/lab_limiter.h"

namespace gwdash {

// The limit every algorithm of the lab is made equivalent to: `limit` requests per `window`.
struct LabReference {
  std::int64_t limit = 100;
  gateway::Duration window = gateway::seconds(10);
  // "tier:free (fixed_window)", "policy:search (token_bucket)" or "default".
  std::string source = "default";
  bool oneKey = false;  // a "route"-keyed policy: one budget shared by every client
};

// The first tier of the config's rate_limits (by name), else its first policy, that is not a
// concurrency limit: its quota() per quotaWindow(). Else 100 per 10 s.
LabReference labReference(const gateway::Config* config);

// One algorithm's column.
struct LabLane {
  std::string algorithm;
  std::string parameters;
  std::vector<float> level;  // the watched key's gauge level, one per 100 ms tick from t = 0
  gateway::LimiterGauge last;  // the watched key's gauge at the latest tick
  std::vector<std::int64_t> admitted;  // per simulated second, all keys
  std::vector<std::int64_t> denied;
  std::int64_t totalAdmitted = 0;
  std::int64_t totalDenied = 0;
  // The most one key got forwarded (admitted; leaky_bucket: at arrival + delay) in any
  // window (t - W, t] of the reference length W; when (t) and which key.
  std::int64_t maxInWindow = 0;
  gateway::TimePoint maxAt = 0;
  std::string maxKey;
};

// One of the gateway's own rate_limits stores, from the snapshots (attach mode).
struct LabStore {
  std::string id;         // "tier:free", "policy:search"
  std::string algorithm;
  std::int64_t keys = 0;
  std::int64_t allowed = 0;  // since the store was made
  std::int64_t denied = 0;
  std::vector<float> allowedRate;  // per second, between consecutive snapshots (last 600)
  std::vector<float> deniedRate;
};

class LimiterLabModel : public DashboardListener {
 public:
  static constexpr gateway::Duration kTick = gateway::millis(100);
  // How long the concurrency lane holds each admitted request.
  static constexpr gateway::Duration kHold = gateway::seconds(1);
  static constexpr std::size_t kStoreHistory = 600;

  LimiterLabModel();

  void reset(const DashboardContext& context) override;
  void onArrival(const gwsim::Arrival& arrival) override;
  void onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) override;
  void onConfig(const DashboardContext& context) override;

  // The arrival, keyed and fed to every lane (what onArrival does with a gwsim::Arrival).
  void arrive(gateway::TimePoint at, const std::string& key);
  // Samples every 100 ms tick at or before `now` not sampled yet (what onSnapshot does).
  void advanceTo(gateway::TimePoint now);

  // Watch this key's gauges from the next tick on; nullopt: the key with the most arrivals.
  void watch(std::optional<std::string> key);

  const LabReference& reference() const { return reference_; }
  const std::vector<LabLane>& lanes() const { return lanes_; }
  const std::vector<LabStore>& stores() const { return stores_; }
  std::int64_t arrivals() const { return arrivals_; }
  std::size_t ticks() const { return ticks_; }
  // The key the latest tick's gauges followed.
  const std::string& watchedKey() const { return watched_; }
  // Every key seen, numbered in the order of their first arrival, with its arrivals.
  std::size_t keyCount() const { return keyNames_.size(); }
  const std::string& keyName(std::size_t id) const { return keyNames_[id]; }
  std::int64_t keyArrivals(std::size_t id) const { return keyArrivals_[id]; }
  std::int64_t arrivalsOf(const std::string& key) const;
  // The one-line lesson: which algorithm let the most through against the limit, and when.
  std::string lesson() const;
  // Everything the model holds, as a hash and counts (determinism tests).
  std::string digest() const;

 private:
  void rebuild();
  void sampleTick(gateway::TimePoint at);
  std::uint32_t keyOf(const gwsim::Arrival& arrival);
  std::uint32_t intern(const std::string& key);
  void arriveAs(gateway::TimePoint at, std::uint32_t key);

  // Per lane and key: forward times still inside the window, merged by time.
  struct InWindow {
    std::vector<std::pair<gateway::TimePoint, std::int64_t>> entries;  // a queue from `head`
    std::size_t head = 0;
    std::int64_t total = 0;
  };

  DashboardContext context_;
  LabReference reference_;
  std::vector<std::unique_ptr<LabLimiter>> limiters_;
  std::vector<LabLane> lanes_;
  std::vector<std::vector<InWindow>> inWindow_;  // per lane, by key
  std::vector<LabStore> stores_;
  std::optional<gateway::TimePoint> lastSnapshot_;
  std::unordered_map<std::uint64_t, std::uint32_t> clientKeys_;  // (group << 32 | client) -> key
  std::unordered_map<std::string, std::uint32_t> keyIds_;
  std::vector<std::string> keyNames_;    // by key
  std::vector<std::int64_t> keyArrivals_;  // by key
  std::optional<std::string> chosen_;
  std::string watched_;  // the key of the latest tick
  std::uint32_t hottest_ = LabLimiter::kNoKey;
  std::int64_t hottestArrivals_ = 0;
  std::int64_t arrivals_ = 0;
  std::size_t ticks_ = 0;  // ticks sampled: the next is at ticks_ * kTick
};

}  // namespace gwdash
