// The admin API's feed of recently completed requests (GET /requests/recent?after=ID), for
// dashboards attached to a live gatewayd (gwdash --attach). Each record says why a request
// ended as it did: route, consumer and tier, authentication, the limiter's decision, the
// cache, the service and instance, tries, an open breaker or the transition the call caused,
// the outcome and the status; its JSON has the field names of gwdash's RequestRecord.
//
// Requests are recorded only while someone watches: a read of the feed keeps recording on for
// kWatchWindow, and when nobody has read it for that long the request path pays one relaxed
// atomic load per request and nothing else. Each worker writes its own ring (kPerWorker
// records, the oldest overwritten) under its own mutex, which only the admin reader contends
// for. Ids are one sequence over every worker, in order of completion.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libgateway/core/time.h"

namespace gateway {
struct Exchange;
struct Response;
}  // namespace gateway

namespace gateway::net {

class RecentRequests {
 public:
  static constexpr std::size_t kPerWorker = 1024;
  static constexpr Duration kWatchWindow = seconds(10);

  explicit RecentRequests(std::size_t workers);
  ~RecentRequests();

  // Worker side, per request: true while a reader asked within kWatchWindow of `now`.
  bool watched(TimePoint now) const { return now < watchedUntil_.load(std::memory_order_relaxed); }
  // Worker `worker` completed `exchange` with `response`: adds its record to the worker's ring.
  void record(std::size_t worker, const Exchange& exchange, const Response& response);

  // Admin side: keeps recording on until now + kWatchWindow and returns the records completed
  // after id `after`, oldest first, as one JSON document's text:
  // {"last_id", "truncated", "watch_ms", "requests": [...]}.
  // Pass "last_id" as the next `after` (one below `after` means the server restarted: read from
  // 0 again); "truncated" is true when records after `after` were
  // overwritten before this read (the reader fell more than kPerWorker behind on a worker).
  std::string since(std::uint64_t after, TimePoint now);

 private:
  struct Entry;
  struct Ring;
  struct Piece {
    std::uint64_t id;
    std::size_t ring, begin, size;  // where its text is in texts_[ring]
  };
  static void writeEntry(std::string& out, const Entry& e);
  std::atomic<TimePoint> watchedUntil_{std::numeric_limits<TimePoint>::min()};
  std::atomic<std::uint64_t> nextId_{1};
  std::vector<std::unique_ptr<Ring>> rings_;
  // The reader's (readerMutex_): kept from read to read, so a read allocates only its answer.
  std::mutex readerMutex_;
  std::vector<std::string> texts_;
  std::vector<Piece> pieces_;
};

}  // namespace gateway::net
