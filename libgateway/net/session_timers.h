// The deadlines of one client connection of the HTTP server, from its limits and from when
// things happened: plain state and arithmetic on TimePoints (no clock, no I/O), so the rules
// are unit-tested with made-up times. The server session feeds it the sweep's coarse time.
//   header: the first request's header is due headerTimeout after the accept, a later
//           one's headerTimeout after its first byte (a trickle does not move it): 408;
//   body:   due bodyTimeout after the end of the header, plus 1/minBodyRate s for every byte
//           of body received (so a body that comes at least that fast always completes, and
//           one that trickles cannot hold the connection); time a streamed body spends
//           waiting for its reader (the upstream) to take bytes does not count: 408;
//   idle:   a connection that never sent a byte closes after min(headerTimeout,
//           idleTimeout) from the accept, a kept-alive one idleTimeout after its last answer;
//   write:  writeTimeout after the client last took bytes of an answer (a client that
//           sends but does not read does not move it): the connection is reset.
// One per session, on its loop's thread; not thread-safe.
#pragma once

#include <cstdint>

#include "libgateway/core/time.h"
#include "libgateway/net/http_limits.h"

namespace gateway::net {

class SessionTimers {
 public:
  SessionTimers(const HttpLimits& limits, TimePoint acceptedAt) : limits_(limits), acceptedAt_(acceptedAt) {}

  // A request's first byte arrived.
  void requestStarted(TimePoint now);
  // Its header is complete; later calls for the same request change nothing.
  void headerDone(TimePoint now);
  // Whether a streamed body's reader has room (false: stalled).
  void uploadRoom(bool room, TimePoint now);

  TimePoint headerDeadline() const { return requestStart_ + limits_.headerTimeout; }
  // With `bodyBytes` of the body received; kNever while a streamed body is stalled.
  TimePoint bodyDeadline(std::uint64_t bodyBytes) const;
  // Nothing to read or answer.
  TimePoint idleDeadline(TimePoint now) const;

  // The answer being written is blocked on a full socket, `written` bytes having gone out
  // on this connection so far: its deadline moves only when `written` grew since.
  TimePoint writeBlocked(std::uint64_t written, TimePoint now);
  // The answer waits for its own body (not for the client): the next block starts afresh.
  void writeWaiting() { writeMark_ = kNoMark; }

 private:
  static constexpr std::uint64_t kNoMark = UINT64_MAX;

  const HttpLimits& limits_;
  TimePoint acceptedAt_;
  bool anyRequest_ = false;
  TimePoint requestStart_ = 0;
  TimePoint bodyStart_ = kNever;     // end of the header, moved on by stalled time
  TimePoint stalledSince_ = kNever;  // a streamed body's reader has had no room since
  std::uint64_t writeMark_ = kNoMark;  // bytes written when the write deadline was set
  TimePoint writeDeadline_ = kNever;
};

}  // namespace gateway::net
