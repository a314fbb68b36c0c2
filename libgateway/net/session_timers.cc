#include "libgateway/net/session_timers.h"

#include <algorithm>

namespace gateway::net {

void SessionTimers::requestStarted(TimePoint now) {
  requestStart_ = anyRequest_ ? now : acceptedAt_;
  anyRequest_ = true;
  bodyStart_ = kNever;
  stalledSince_ = kNever;
}

void SessionTimers::headerDone(TimePoint now) {
  if (bodyStart_ == kNever) bodyStart_ = now;
}

void SessionTimers::uploadRoom(bool room, TimePoint now) {
  if (!room) {
    if (stalledSince_ == kNever) stalledSince_ = now;
  } else if (stalledSince_ != kNever) {
    if (bodyStart_ != kNever) bodyStart_ += now - stalledSince_;
    stalledSince_ = kNever;
  }
}

TimePoint SessionTimers::bodyDeadline(std::uint64_t bodyBytes) const {
  if (bodyStart_ == kNever) return headerDeadline();
  if (stalledSince_ != kNever) return kNever;
  Duration credit = 0;
  if (limits_.minBodyRate > 0) {
    // Bodies are bounded by max_body_bytes (at most 2^40): the product stays in range.
    const std::uint64_t bytes = std::min<std::uint64_t>(bodyBytes, std::uint64_t{1} << 40);
    credit = static_cast<Duration>(bytes * static_cast<std::uint64_t>(kSecond) / limits_.minBodyRate);
  }
  return bodyStart_ + limits_.bodyTimeout + credit;
}

TimePoint SessionTimers::idleDeadline(TimePoint now) const {
  if (anyRequest_) return now + limits_.idleTimeout;
  return acceptedAt_ + std::min(limits_.headerTimeout, limits_.idleTimeout);
}

TimePoint SessionTimers::writeBlocked(std::uint64_t written, TimePoint now) {
  if (written != writeMark_) {
    writeMark_ = written;
    writeDeadline_ = now + limits_.writeTimeout;
  }
  return writeDeadline_;
}

}  // namespace gateway::net
