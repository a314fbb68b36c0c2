// The rules of a client connection's deadlines (libgateway/net/session_timers.h) on made-up
// times: the header timed from the accept for the first request and from the first byte
// after; the body from the end of the header, extended per byte at the minimum rate and by
// time stalled on the upstream, never by a trickle alone; idle and write deadlines.
#include <gtest/gtest.h>

#include "libgateway/net/session_timers.h"

namespace gateway::net {
namespace {

HttpLimits timerLimits() {
  HttpLimits l;
  l.headerTimeout = millis(1000);
  l.bodyTimeout = millis(2000);
  l.minBodyRate = 500;
  l.idleTimeout = millis(5000);
  l.writeTimeout = millis(3000);
  return l;
}

constexpr TimePoint kAccept = seconds(100);

TEST(SessionTimers, TheFirstHeaderIsTimedFromTheAcceptLaterOnesFromTheirFirstByte) {
  const HttpLimits limits = timerLimits();
  SessionTimers t(limits, kAccept);
  t.requestStarted(kAccept + millis(700));  // the first byte came late: the accept still counts
  EXPECT_EQ(t.headerDeadline(), kAccept + millis(1000));
  t.requestStarted(kAccept + seconds(30));  // a kept-alive connection's next request
  EXPECT_EQ(t.headerDeadline(), kAccept + seconds(30) + millis(1000));
}

TEST(SessionTimers, ABodyIsTimedFromTheEndOfItsHeaderAndEachByteBuysOnlyItsShare) {
  const HttpLimits limits = timerLimits();
  SessionTimers t(limits, kAccept);
  t.requestStarted(kAccept);
  t.headerDone(kAccept + millis(300));
  t.headerDone(kAccept + millis(900));  // the same request: changes nothing
  const TimePoint end = kAccept + millis(300) + millis(2000);
  EXPECT_EQ(t.bodyDeadline(0), end);
  // 10 bytes at 500 bytes/s: 20 ms more, however they were spread.
  EXPECT_EQ(t.bodyDeadline(10), end + millis(20));
  EXPECT_EQ(t.bodyDeadline(1000), end + seconds(2));
  // A hard limit with no minimum rate.
  HttpLimits hard = limits;
  hard.minBodyRate = 0;
  SessionTimers h(hard, kAccept);
  h.requestStarted(kAccept);
  h.headerDone(kAccept);
  EXPECT_EQ(h.bodyDeadline(1'000'000), kAccept + millis(2000));
  // The largest body there can be stays in range.
  EXPECT_GT(t.bodyDeadline(std::uint64_t{1} << 40), end);
  EXPECT_LT(t.bodyDeadline(UINT64_MAX), kNever);
}

TEST(SessionTimers, TimeStalledOnTheUpstreamDoesNotCount) {
  const HttpLimits limits = timerLimits();
  SessionTimers t(limits, kAccept);
  t.requestStarted(kAccept);
  t.headerDone(kAccept);
  t.uploadRoom(true, kAccept + millis(100));  // room all along: nothing moves
  EXPECT_EQ(t.bodyDeadline(0), kAccept + millis(2000));
  t.uploadRoom(false, kAccept + millis(500));
  EXPECT_EQ(t.bodyDeadline(0), kNever);
  t.uploadRoom(false, kAccept + millis(900));  // still the same stall
  t.uploadRoom(true, kAccept + millis(1500));
  EXPECT_EQ(t.bodyDeadline(0), kAccept + millis(3000));
  // A new request starts with a clean slate.
  t.uploadRoom(false, kAccept + millis(1600));
  t.requestStarted(kAccept + millis(1700));
  t.headerDone(kAccept + millis(1700));
  EXPECT_EQ(t.bodyDeadline(0), kAccept + millis(3700));
}

TEST(SessionTimers, ANeverUsedConnectionClosesAtTheShorterOfHeaderAndIdle) {
  HttpLimits limits = timerLimits();
  SessionTimers fresh(limits, kAccept);
  EXPECT_EQ(fresh.idleDeadline(kAccept + millis(400)), kAccept + millis(1000));
  limits.idleTimeout = millis(300);
  SessionTimers shortIdle(limits, kAccept);
  EXPECT_EQ(shortIdle.idleDeadline(kAccept), kAccept + millis(300));
  // After a request, the idle timeout from now.
  shortIdle.requestStarted(kAccept);
  EXPECT_EQ(shortIdle.idleDeadline(kAccept + seconds(9)), kAccept + seconds(9) + millis(300));
}

TEST(SessionTimers, TheWriteDeadlineMovesOnlyWithProgress) {
  const HttpLimits limits = timerLimits();
  SessionTimers t(limits, kAccept);
  EXPECT_EQ(t.writeBlocked(1000, kAccept), kAccept + millis(3000));
  // Blocked again with nothing taken (the client sent bytes, an upstream added some): same.
  EXPECT_EQ(t.writeBlocked(1000, kAccept + millis(2500)), kAccept + millis(3000));
  // The client took some: a new period from now.
  EXPECT_EQ(t.writeBlocked(1500, kAccept + millis(2600)), kAccept + millis(5600));
  // Waiting for the answer's own body is not the client's doing: the next block starts afresh.
  t.writeWaiting();
  EXPECT_EQ(t.writeBlocked(1500, kAccept + seconds(10)), kAccept + seconds(13));
}

}  // namespace
}  // namespace gateway::net
