// gwdash --attach URL: the dashboard's panels fed by a live gatewayd, from its admin API.
// A background thread polls GET /stats (the policy snapshot), GET /requests/recent (the
// requests completed since the last read; reading it keeps gatewayd recording them) and, at
// the start and whenever /stats' config_version changes, GET /config, over one keep-alive
// connection with short timeouts; it hands what it read to the dashboard's thread through a
// mutex-protected queue, and poll() delivers it to the listeners: records up to a snapshot's
// time before that snapshot, as the simulation does. A failure (refused, timed out, a non-200
// answer, a body that does not parse) becomes status() and the thread reconnects on its next
// round; a restarted gatewayd (request ids or uptime going back) resets the listeners.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libgateway/core/time.h"
#include "tools/gwdash/model/dashboard_listener.h"

namespace gwdash {

struct AttachOptions {
  std::chrono::milliseconds period{200};   // between two rounds of polling
  std::chrono::milliseconds timeout{1000};  // per connect, write or read
};

class AttachSource {
 public:
  // Checks that URL (http://127.0.0.1:PORT, gatewayd's admin listener) answers /stats;
  // null with `error` naming what failed.
  static std::unique_ptr<AttachSource> connect(const std::string& url, std::string& error);
  static std::unique_ptr<AttachSource> connect(const std::string& url, std::string& error, const AttachOptions& options);
  ~AttachSource();  // stops and joins the thread (within one timeout)
  AttachSource(const AttachSource&) = delete;
  AttachSource& operator=(const AttachSource&) = delete;

  void addListener(DashboardListener* listener);   // reset() at once
  void poll();                 // dashboard thread, every frame; never blocks
  // Blocks until something waits for poll() or the poller finishes its next round (its
  // status() may have changed), or `timeout` passes (false): for a reader that is not driven
  // by frames (a test, a headless consumer).
  bool waitForRound(std::chrono::milliseconds timeout);
  gateway::TimePoint now() const;   // gatewayd's clock at the last snapshot
  std::string status() const;       // "connected: 2 snapshots/s, last 120 ms ago" or the error
  const DashboardContext& context() const;

  // Delivered so far (dashboard thread): snapshots and records.
  std::uint64_t snapshotsDelivered() const { return snapshots_; }
  std::uint64_t recordsDelivered() const { return records_; }

 private:
  struct Event;
  struct Shared;
  class Poller;
  AttachSource() = default;

  std::unique_ptr<Shared> shared_;
  std::unique_ptr<Poller> poller_;  // the thread; stopped first
  DashboardContext context_;
  std::vector<DashboardListener*> listeners_;
  gateway::TimePoint now_ = 0;
  std::uint64_t snapshots_ = 0;
  std::uint64_t records_ = 0;
};

}  // namespace gwdash
