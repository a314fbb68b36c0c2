#include "tools/gwload/load_result.h"

#include <algorithm>

namespace gwload {

std::string_view toString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConnect: return "connect";
    case ErrorKind::kReset: return "reset";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kProtocol: return "protocol";
  }
  return "?";
}

void LoadResult::record(gateway::TimePoint intended, gateway::TimePoint dispatched, gateway::TimePoint now,
                        const gateway::UpstreamResult& result) {
  ++measured;
  firstIntended = std::min(firstIntended, intended);
  lastDispatched = std::max(lastDispatched, dispatched);
  lastCompleted = std::max(lastCompleted, now);
  sendLag.record(dispatched - intended);
  if (result.sentAt != 0) {
    ++sent;
    lastSent = std::max(lastSent, result.sentAt);
  }
  using gateway::UpstreamOutcome;
  std::optional<ErrorKind> error;
  switch (result.outcome) {
    case UpstreamOutcome::kResponse: break;
    case UpstreamOutcome::kConnectError: error = ErrorKind::kConnect; break;
    case UpstreamOutcome::kReset: error = ErrorKind::kReset; break;
    case UpstreamOutcome::kTimeout: error = ErrorKind::kTimeout; break;
    case UpstreamOutcome::kProtocolError: error = ErrorKind::kProtocol; break;
  }
  if (!error || *error == ErrorKind::kTimeout) {
    corrected.record(now - intended);
    if (result.sentAt != 0) uncorrected.record(now - result.sentAt);
  }
  if (error) {
    const auto k = static_cast<std::size_t>(*error);
    if (errors[k]++ == 0) firstError[k] = result.detail;
    return;
  }
  ++responses;
  const int status = result.response.status;
  ++statuses[status >= 100 && status < 600 ? static_cast<std::size_t>(status) : 0];
  bytesReceived += result.response.body.size();
}

void LoadResult::merge(const LoadResult& o) {
  corrected.merge(o.corrected);
  uncorrected.merge(o.uncorrected);
  sendLag.merge(o.sendLag);
  for (std::size_t i = 0; i < statuses.size(); ++i) statuses[i] += o.statuses[i];
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    if (errors[k] == 0 && o.errors[k] != 0) firstError[k] = o.firstError[k];
    errors[k] += o.errors[k];
  }
  measured += o.measured;
  responses += o.responses;
  sent += o.sent;
  lastSent = std::max(lastSent, o.lastSent);
  bytesReceived += o.bytesReceived;
  connectionsOpened += o.connectionsOpened;
  firstIntended = std::min(firstIntended, o.firstIntended);
  lastDispatched = std::max(lastDispatched, o.lastDispatched);
  lastCompleted = std::max(lastCompleted, o.lastCompleted);
}

std::uint64_t LoadResult::errorCount() const {
  std::uint64_t n = 0;
  for (auto e : errors) n += e;
  return n;
}

std::uint64_t LoadResult::statusClass(int hundreds) const {
  std::uint64_t n = 0;
  for (int s = hundreds * 100; s < hundreds * 100 + 100 && s < 600; ++s) n += statuses[static_cast<std::size_t>(s)];
  return n;
}

}  // namespace gwload
