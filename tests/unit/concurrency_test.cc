// Concurrency caps per service (Envoy max_requests / max_pending) through the Gateway: a slot
// is given back on every completion path (success, upstream error, timeout, cancel), waiters
// get freed slots in order or time out at the route deadline, and the Gradient2 adaptive limit
// moves with round-trip times.
#include "libgateway/resilience/concurrency_limiter.h"

#include <gtest/gtest.h>

#include "libgateway/pipeline/gateway.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::FakeTransport;
using testing::makeRequest;

// The ManualScheduler plus what net's EventLoop::cancelTimers() does at shutdown: drop every
// pending timer without running it.
class DroppingScheduler final : public Scheduler {
 public:
  explicit DroppingScheduler(ManualScheduler& inner) : inner_(inner) {}
  TimerId schedule(TimePoint at, Callback callback) override {
    const TimerId id = inner_.schedule(at, std::move(callback));
    ids_.push_back(id);
    return id;
  }
  void cancel(TimerId id) override { inner_.cancel(id); }
  void dropAll() {
    for (TimerId id : std::exchange(ids_, {})) inner_.cancel(id);
  }

 private:
  ManualScheduler& inner_;
  std::vector<TimerId> ids_;
};

std::shared_ptr<const Config> capped(const nlohmann::json& concurrency, const nlohmann::json& routeExtra = nlohmann::json::object()) {
  nlohmann::json route = {{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "api"}, {"timeout_ms", 1000}};
  route.update(routeExtra);
  return testing::mustLoad({{"services", {{{"name", "api"}, {"instances", {"10.0.0.1:80", "10.0.0.2:80"}},
                                           {"concurrency", concurrency}}}},
                            {"routes", {route}}});
}

class ConcurrencyTest : public ::testing::Test {
 protected:
  void build(std::shared_ptr<const Config> config) {
    shared = std::make_unique<SharedState>(std::move(config));
    gateway = std::make_unique<Gateway>(*shared, env);
  }
  std::shared_ptr<std::optional<Response>> start(const std::string& target, const std::string& method = "GET") {
    auto slot = std::make_shared<std::optional<Response>>();
    gateway->handle(makeRequest(method, target), [slot](Response r) { *slot = std::move(r); });
    return slot;
  }
  ConcurrencyLimiter& limiter() { return *shared->runtime()->service(0).concurrency; }
  std::string code(const std::shared_ptr<std::optional<Response>>& r) {
    return nlohmann::json::parse((*r)->body)["error"]["code"].get<std::string>();
  }

  ManualClock clock{seconds(1)};
  ManualScheduler manual{clock};
  DroppingScheduler scheduler{manual};
  FakeTransport transport;
  Random random{7};
  Env env{clock, scheduler, transport, random};
  std::unique_ptr<SharedState> shared;
  std::unique_ptr<Gateway> gateway;
};

TEST_F(ConcurrencyTest, OverTheCapIs503WithoutCallingUpstream) {
  build(capped({{"max_requests", 2}}));
  auto a = start("/a");
  auto b = start("/b");
  auto c = start("/c");
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->status, 503);
  EXPECT_EQ(code(c), "overloaded");
  EXPECT_EQ(nlohmann::json::parse((*c)->body)["error"]["message"], "service \"api\" has too many requests in flight (limit 2)");
  EXPECT_EQ(transport.total, 2u);
  EXPECT_EQ(limiter().inFlight(), 2u);
  EXPECT_EQ(limiter().rejected(), 1u) << "a rejection without a queue counts as one";
}

TEST_F(ConcurrencyTest, AFullQueueCountsItsRejections) {
  build(capped({{"max_requests", 1}, {"max_pending", 1}}));
  start("/a");
  auto queued = start("/b");
  auto rejected = start("/c");
  EXPECT_FALSE(queued->has_value());
  ASSERT_TRUE(rejected->has_value());
  EXPECT_EQ((*rejected)->status, 503);
  EXPECT_EQ(limiter().pending(), 1u);
  EXPECT_EQ(limiter().rejected(), 1u);
}

TEST_F(ConcurrencyTest, SuccessReleases) {
  build(capped({{"max_requests", 1}}));
  auto a = start("/a");
  transport.respond(200);
  EXPECT_EQ((*a)->status, 200);
  EXPECT_EQ(limiter().inFlight(), 0u);
  start("/b");
  EXPECT_EQ(transport.total, 2u);
}

TEST_F(ConcurrencyTest, UpstreamErrorReleases) {
  build(capped({{"max_requests", 1}}));
  auto a = start("/a");
  transport.fail(UpstreamOutcome::kConnectError, "refused");
  EXPECT_EQ((*a)->status, 502);
  EXPECT_EQ(limiter().inFlight(), 0u);
}

TEST_F(ConcurrencyTest, TimeoutReleasesAtTheDeadline) {
  build(capped({{"max_requests", 1}}));
  auto a = start("/a");
  manual.runUntil(clock.now() + seconds(1));
  EXPECT_EQ((*a)->status, 504);
  EXPECT_EQ(limiter().inFlight(), 0u);  // before the transport has said anything
  start("/b");
  EXPECT_EQ(transport.total, 2u);
  transport.respond(200);  // the late answer of /a
  EXPECT_EQ(limiter().inFlight(), 1u);  // /b still holds its slot
}

TEST_F(ConcurrencyTest, CancelledExchangeReleases) {
  // A request waiting in a retry backoff when the worker shuts down and drops its timers.
  build(capped({{"max_requests", 1}}, {{"retry", {{"max_retries", 1}, {"backoff", {{"base_ms", 100}}}}}}));
  auto a = start("/a");
  transport.respond(503);
  ASSERT_FALSE(a->has_value());
  EXPECT_EQ(limiter().inFlight(), 1u);
  const auto budget = shared->runtime()->service(0).retryBudget;
  EXPECT_EQ(budget->activeRetries(), 1);
  scheduler.dropAll();
  EXPECT_FALSE(a->has_value());  // never answered: the worker is gone
  EXPECT_EQ(limiter().inFlight(), 0u);
  EXPECT_EQ(budget->activeRetries(), 0);
  EXPECT_EQ(budget->activeRequests(), 0);
}

TEST_F(ConcurrencyTest, WaitersGetFreedSlotsInOrder) {
  build(capped({{"max_requests", 1}, {"max_pending", 2}}));
  auto a = start("/a");
  auto b = start("/b");
  auto c = start("/c");
  auto d = start("/d");
  EXPECT_EQ(transport.total, 1u);
  EXPECT_EQ(limiter().pending(), 2u);
  ASSERT_TRUE(d->has_value());
  EXPECT_EQ((*d)->status, 503);
  EXPECT_EQ(nlohmann::json::parse((*d)->body)["error"]["message"],
            "service \"api\" has too many requests in flight (limit 1, and its queue is full)");
  transport.respond(200);  // /a done: /b goes
  ASSERT_EQ(transport.sends.size(), 1u);
  EXPECT_EQ(transport.sends[0].request.target, "/b");
  transport.respond(200);
  EXPECT_EQ(transport.sends[0].request.target, "/c");
  transport.respond(200);
  EXPECT_EQ((*b)->status, 200);
  EXPECT_EQ((*c)->status, 200);
  EXPECT_EQ(limiter().pending(), 0u);
  EXPECT_EQ(limiter().inFlight(), 0u);
}

TEST_F(ConcurrencyTest, WaiterGetsTheSlotOfATimedOutRequest) {
  build(capped({{"max_requests", 1}, {"max_pending", 1}}));
  const TimePoint t0 = clock.now();
  auto a = start("/a");  // deadline 1 s
  clock.advance(millis(200));
  auto b = start("/b");  // waits; its own deadline is 1.2 s
  manual.runUntil(t0 + seconds(1));
  EXPECT_EQ((*a)->status, 504);
  ASSERT_EQ(transport.total, 2u);  // /a's slot went to /b at 1 s
  EXPECT_FALSE(b->has_value());
  EXPECT_EQ(transport.sends.back().request.target, "/b");
  EXPECT_EQ(transport.sends.back().deadline, t0 + millis(1200));
  EXPECT_EQ(limiter().pending(), 0u);
}

TEST_F(ConcurrencyTest, PendingTimeoutIs504) {
  auto config = testing::mustLoad(nlohmann::json::parse(R"({
    "services": [{"name": "api", "instances": ["10.0.0.1:80"], "concurrency": {"max_requests": 1, "max_pending": 1}}],
    "routes": [{"name": "long", "match": {"prefix": "/long"}, "service": "api", "timeout_ms": 2000},
               {"name": "short", "match": {"prefix": "/short"}, "service": "api", "timeout_ms": 500}]})"));
  build(config);
  const TimePoint t0 = clock.now();
  auto a = start("/long");
  auto b = start("/short");
  manual.runUntil(t0 + millis(500) - 1);
  EXPECT_FALSE(b->has_value());
  manual.runUntil(t0 + millis(500));
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ((*b)->status, 504);
  EXPECT_EQ(code(b), "pending_timeout");
  EXPECT_EQ(transport.total, 1u);  // /short never went upstream
  EXPECT_EQ(limiter().pending(), 0u);
  transport.respond(200);
  EXPECT_EQ((*a)->status, 200);
  EXPECT_EQ(limiter().inFlight(), 0u);
}

TEST_F(ConcurrencyTest, WaitersEndWithTheGateway) {
  build(capped({{"max_requests", 1}, {"max_pending", 3}}));
  start("/a");
  start("/b");
  start("/c");
  EXPECT_EQ(limiter().pending(), 2u);
  gateway.reset();
  EXPECT_EQ(limiter().pending(), 0u);
}

TEST(Gradient2, GrowsWhileFastAndUsedShrinksWhenSlow) {
  ConcurrencyConfig c;
  c.maxRequests = 100;
  c.adaptive = true;
  c.minLimit = 4;
  c.initialLimit = 20;
  c.rttTolerance = 1.5;
  ConcurrencyLimiter l(c);
  EXPECT_EQ(l.limit(), 20u);
  // Saturated (every slot held) at a steady 10 ms: the gradient is 1 and each sample adds the
  // queue allowance (4, smoothed by 0.2).
  auto saturate = [&] { while (l.tryAcquire()) {} };
  for (int i = 0; i < 50; ++i) {
    saturate();
    l.onSample(millis(10), false);
  }
  const std::uint32_t grown = l.limit();
  EXPECT_EQ(grown, 60u);  // 20 + 50 x 0.8
  // The round trip jumps to 50 ms: 1.5 x 10 / 50 < 0.5, so the gradient is 0.5 and the limit
  // falls towards 0.9 L + 0.8 per sample.
  for (int i = 0; i < 20; ++i) l.onSample(millis(50), false);
  EXPECT_LT(l.limit(), grown / 2);
  EXPECT_GE(l.limit(), 4u);
  // Held slots are not taken away: the limit caps new admissions only.
  EXPECT_EQ(l.inFlight(), 59u);  // saturated before the last sample raised the limit to 60
  EXPECT_FALSE(l.tryAcquire());
}

TEST(Gradient2, ReleasedSlotsBelowHalfTheLimitFreezeIt) {
  ConcurrencyConfig c;
  c.maxRequests = 100;
  c.adaptive = true;
  c.initialLimit = 20;
  ConcurrencyLimiter l(c);
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(l.tryAcquire());
  for (int i = 0; i < 20; ++i) l.onSample(millis(10), false);
  EXPECT_EQ(l.limit(), 20u);  // 9 in flight < 20 / 2: application-limited, left alone
}

TEST(Gradient2, IdleLimitDoesNotGrow) {
  ConcurrencyConfig c;
  c.maxRequests = 100;
  c.adaptive = true;
  c.initialLimit = 20;
  ConcurrencyLimiter l(c);
  for (int i = 0; i < 100; ++i) l.onSample(millis(10), false);  // nothing in flight
  EXPECT_EQ(l.limit(), 20u);
}

TEST(ConcurrencyPermitTest, ReleasesOnceWhenMovedAndDestroyed) {
  ConcurrencyConfig c;
  c.maxRequests = 2;
  auto l = std::make_shared<ConcurrencyLimiter>(c);
  ASSERT_TRUE(l->tryAcquire());
  {
    ConcurrencyPermit p(l);
    ConcurrencyPermit q = std::move(p);
    EXPECT_EQ(l->inFlight(), 1u);
  }
  EXPECT_EQ(l->inFlight(), 0u);
}

}  // namespace
}  // namespace gateway
