// What the latency panel knows: per simulated second (by the time a request completed) the
// request count, the statuses by class, and p50/p99/max latency, for the last two minutes
// (a ring: fixed memory, the oldest second forgotten as a new one starts); and a latency
// histogram of the last few seconds in log-spaced buckets. Keyed by simulated time only
// (records' end times, snapshots' `now`), never by frames. Dashboard thread only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/report/latency_histogram.h"
#include "tools/gwdash/model/dashboard_listener.h"
#include "tools/gwdash/model/traffic_classes.h"

namespace gwdash {

// One simulated second's requests (those that completed in [second, second + 1 s)).
struct LatencySecond {
  std::int64_t second = 0;  // whole seconds of simulated time
  std::uint64_t requests = 0;
  std::array<std::uint64_t, kStatusClasses> statuses{};  // indexed by StatusClass
  gateway::Duration p50 = 0, p99 = 0, max = 0;            // 0 when no request
  std::uint64_t status(StatusClass c) const { return statuses[static_cast<std::size_t>(c)]; }
};

class LatencyModel : public DashboardListener {
 public:
  static constexpr std::size_t kSeconds = 120;  // the seconds the ring holds
  // Upper bounds (exclusive) of the histogram's buckets, 1-2-5 per decade; one more bucket
  // holds everything from the last bound up.
  static constexpr std::array<gateway::Duration, 16> kBucketBounds = {
      100, 200, 500, 1'000, 2'000, 5'000, 10'000, 20'000, 50'000, 100'000, 200'000, 500'000,
      1'000'000, 2'000'000, 5'000'000, 10'000'000};
  static constexpr std::size_t kBuckets = kBucketBounds.size() + 1;
  using Buckets = std::array<std::uint64_t, kBuckets>;

  // `histogramSeconds`: how many seconds (the current one included) the histogram covers,
  // 1..kSeconds.
  explicit LatencyModel(std::size_t histogramSeconds = 10);

  void reset(const DashboardContext& context) override;
  void onRequest(const RequestRecord& record) override;
  void onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) override;

  // The latest simulated time seen (a snapshot's `now` or a record's end), and its second.
  gateway::TimePoint now() const { return now_; }
  std::int64_t currentSecond() const { return current_; }
  std::uint64_t totalRequests() const { return total_; }
  // Records that ended before the ring's oldest second (late arrivals from a live gatewayd).
  std::uint64_t tooLate() const { return tooLate_; }

  // The second `second` (zeros when it holds no request or the ring forgot it).
  LatencySecond second(std::int64_t second) const;
  // The last kSeconds seconds up to the current one, oldest first; seconds before t = 0 are
  // left out, so a young run has fewer.
  std::vector<LatencySecond> series() const;

  std::size_t histogramSeconds() const { return histogramSeconds_; }
  void setHistogramSeconds(std::size_t seconds);
  // Requests per bucket over the last histogramSeconds() seconds up to the current one.
  Buckets histogram() const;
  // The bucket a latency falls in, and a bucket's label ("<100 us", "100-200 us", ">=10 s").
  static std::size_t bucketOf(gateway::Duration latency);
  static std::string bucketLabel(std::size_t bucket);

  // "t=12 s: 130 requests, p50 4.1 ms, p99 38.0 ms, max 41.2 ms; 2xx 120, 429 10".
  static std::string secondText(const LatencySecond& second);
  // Everything the model holds, as text (determinism tests compare two models by it).
  std::string digest() const;

 private:
  struct Slot {
    std::int64_t second = -1;  // -1: empty
    LatencySecond stats;
    gwsim::LatencyHistogram latencies;
    Buckets buckets{};
    bool stale = false;  // p50/p99 not yet recomputed since the last record
  };
  Slot* slotFor(std::int64_t second);
  const Slot* heldSlot(std::int64_t second) const;
  void advanceTo(gateway::TimePoint now);
  void refresh(const Slot& slot) const;

  std::size_t histogramSeconds_;
  mutable std::vector<Slot> ring_;  // kSeconds slots; second s lives at s % kSeconds
  gateway::TimePoint now_ = 0;
  std::int64_t current_ = 0;
  std::uint64_t total_ = 0;
  std::uint64_t tooLate_ = 0;
};

}  // namespace gwdash
