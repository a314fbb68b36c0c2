// What one gwload run measured: two latency histograms at three significant digits (from the
// intended send time, "corrected" as wrk2 does, and from the moment the request went on the
// wire, "uncorrected"), the send lag (actual minus intended dispatch), statuses, error kinds
// and rates. Per thread while running, merged at the end. Recording never allocates.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libgateway/core/env.h"
#include "libgateway/core/latency_histogram.h"

namespace gwload {

enum class ErrorKind { kConnect, kReset, kTimeout, kProtocol };
inline constexpr std::size_t kErrorKinds = 4;
std::string_view toString(ErrorKind kind);

struct LoadResult {
  gateway::LatencyHistogram corrected{gateway::LatencyHistogram::kThreeDigits};
  gateway::LatencyHistogram uncorrected{gateway::LatencyHistogram::kThreeDigits};
  gateway::LatencyHistogram sendLag{gateway::LatencyHistogram::kThreeDigits};
  std::array<std::uint64_t, 600> statuses{};  // by status code; 0 holds anything outside 100-599
  std::array<std::uint64_t, kErrorKinds> errors{};
  std::array<std::string, kErrorKinds> firstError{};  // the first detail of each kind
  std::uint64_t measured = 0;    // requests intended after the warm-up, all completed
  std::uint64_t responses = 0;
  std::uint64_t sent = 0;  // went on the wire (UpstreamResult::sentAt set)
  std::uint64_t bytesReceived = 0;
  std::uint64_t connectionsOpened = 0;
  gateway::TimePoint firstIntended = gateway::kNever;  // of the measured requests
  gateway::TimePoint lastDispatched = 0;
  gateway::TimePoint lastSent = 0;
  gateway::TimePoint lastCompleted = 0;

  // One request's end. `intended`: its scheduled time; `dispatched`: when gwload handed it to
  // the transport. Latency is recorded for responses and timeouts (a timeout is a wait the
  // user saw), not for connect errors, resets and protocol errors (counted only).
  void record(gateway::TimePoint intended, gateway::TimePoint dispatched, gateway::TimePoint now,
              const gateway::UpstreamResult& result);
  void merge(const LoadResult& other);
  std::uint64_t errorCount() const;
  std::uint64_t statusClass(int hundreds) const;  // 2 for 2xx
};

}  // namespace gwload
