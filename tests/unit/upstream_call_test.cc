// UpstreamCall on its own: a test CallListener, exchanges made by hand, the GatewayHarness's
// Env (frozen time, FaultInjectingTransport over the FakeTransport). The answer is handed
// exactly once with its mapped outcome; the UpstreamRecord tells what the policies did;
// cancel() gives back what a try held; a streamed request body is sent once, never retried.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/pipeline/upstream_caller.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;

std::shared_ptr<const Config> callConfig(const nlohmann::json& serviceExtra, const nlohmann::json& routeExtra) {
  nlohmann::json service = {{"name", "api"},
                            {"instances",
                             {{{"id", "api-1"}, {"address", "10.0.0.1:80"}},
                              {{"id", "api-2"}, {"address", "10.0.0.2:80"}},
                              {{"id", "api-3"}, {"address", "10.0.0.3:80"}}}},
                            {"timeout_ms", 1000}};
  service.update(serviceExtra);
  nlohmann::json route = {{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "api"}};
  route.update(routeExtra);
  return testing::mustLoad({{"services", {service}}, {"routes", {route}}});
}

struct Answers final : CallListener {
  struct Answer {
    const UpstreamCall* call;
    Response response;
    std::string outcome;
    std::string code() const { return nlohmann::json::parse(response.body)["error"]["code"]; }
  };
  void onCallAnswer(UpstreamCall& call, Response&& response, std::string_view outcome) override {
    EXPECT_FALSE(call.active()) << "the call is over when it answers";
    list.push_back({&call, std::move(response), std::string(outcome)});
  }
  std::size_t of(const Exchange& ex) const {
    return std::count_if(list.begin(), list.end(), [&](const Answer& a) { return a.call == &ex.call; });
  }
  std::vector<Answer> list;
};

// No linked balancer: every instance is ejected.
struct NothingAvailable : LoadBalancer {
  std::optional<std::size_t> pick(const PickContext&, Random&) override { return std::nullopt; }
};

class CallTest : public ::testing::Test {
 protected:
  void configure(const nlohmann::json& serviceExtra = nlohmann::json::object(),
                 const nlohmann::json& routeExtra = nlohmann::json::object()) {
    h = std::make_unique<GatewayHarness>(callConfig(serviceExtra, routeExtra));
    caller = std::make_unique<UpstreamCaller>(h->env);
    t0 = h->clock.now();
  }
  // Starts a call owned by a new exchange (the route's target unless one is given).
  Exchange& call(Request request = makeRequest("GET", "/orders"), const CallTarget* target = nullptr) {
    auto ex = std::make_shared<Exchange>();
    ex->runtime = h->shared.runtime();
    ex->request = std::move(request);
    ex->start = h->clock.now();
    ex->correlationId.assign("call-" + std::to_string(exchanges.size()));
    exchanges.push_back(ex);
    std::string upstreamTarget = "/up" + std::string(ex->request.target);
    ex->call.start(*caller, *ex, target ? *target : ex->runtime->route(0).target, &upstreamTarget, true, answers);
    return *ex;
  }
  ServiceRuntime& service() { return h->shared.runtime()->service(0); }
  std::int64_t inFlightTotal() { return h->instanceInFlight(0, 0) + h->instanceInFlight(0, 1) + h->instanceInFlight(0, 2); }
  std::size_t instanceIndex(std::string_view id) {
    const auto& list = service().config->instances;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i].id == id) return i;
    }
    ADD_FAILURE() << "no instance " << id;
    return 0;
  }

  std::unique_ptr<GatewayHarness> h;
  std::unique_ptr<UpstreamCaller> caller;
  Answers answers;
  std::vector<std::shared_ptr<Exchange>> exchanges;  // after the caller: they go first
  TimePoint t0 = 0;
};

TEST_F(CallTest, AnswersOnceWithTheUpstreamResponseAndItsRecord) {
  configure();
  CallTarget target;  // by hand: one backend, a 200 ms deadline, the client's Host
  target.backends = {0};
  target.weights = {1};
  target.totalWeight = 1;
  target.timeout = millis(200);
  Request req = makeRequest("POST", "/orders", {{"Host", "gw.example"}});
  req.body = "payload";
  Exchange& ex = call(std::move(req), &target);
  ASSERT_EQ(h->transport.sends.size(), 1u);
  const auto& sent = h->transport.sends[0];
  EXPECT_EQ(sent.request.target, "/up/orders");
  EXPECT_EQ(sent.request.body, "payload");
  EXPECT_EQ(sent.request.headers.get("host"), "gw.example");
  EXPECT_EQ(sent.request.headers.get("x-correlation-id"), "call-0");
  EXPECT_EQ(sent.deadline, t0 + millis(200));
  const std::size_t instance = instanceIndex(sent.endpoint.instance);
  EXPECT_EQ(h->instanceInFlight(0, instance), 1);
  EXPECT_TRUE(ex.call.active());

  h->clock.advance(millis(20));
  h->transport.respond(201, "made", Headers{{"Connection", "close"}, {"X-Up", "1"}});
  ASSERT_EQ(answers.list.size(), 1u);
  const auto& a = answers.list[0];
  EXPECT_EQ(a.outcome, "upstream");
  EXPECT_EQ(a.response.status, 201);
  EXPECT_EQ(a.response.body, "made");
  EXPECT_EQ(a.response.headers.get("x-up"), "1");
  EXPECT_FALSE(a.response.headers.has("connection")) << "hop-by-hop fields stop at the gateway";
  const UpstreamRecord& r = ex.callRecord();
  EXPECT_TRUE(r.forwarded);
  EXPECT_EQ(r.tries, 1u);
  EXPECT_EQ(r.instanceIndex, instance);
  EXPECT_EQ(r.tryStart, t0);
  EXPECT_EQ(r.tryEnd, t0 + millis(20));
  EXPECT_EQ(r.outcome, UpstreamOutcome::kResponse);
  EXPECT_FALSE(r.circuitOpen || r.overloaded || r.waitedForSlot || r.retryBudgetExhausted);
  EXPECT_EQ(r.breakerTransition, nullptr);
  EXPECT_EQ(h->instanceInFlight(0, instance), 0);
  EXPECT_EQ(h->scheduler.pending(), 0u) << "the deadline timer went with the answer";

  // Without preserve_host each try carries its instance's address.
  target.preserveHost = false;
  call(makeRequest("GET", "/x", {{"Host", "gw.example"}}), &target);
  ASSERT_EQ(h->transport.sends.size(), 1u);
  EXPECT_EQ(h->transport.sends[0].request.headers.get("host"), h->transport.sends[0].endpoint.address);
  h->transport.respond(200);
  EXPECT_EQ(answers.list.size(), 2u);
}

TEST_F(CallTest, TransportFailuresMapToTheirOutcomes) {
  configure();
  struct Case {
    FaultRule rule;
    int status;
    std::string outcome;
    UpstreamOutcome kind;
  };
  const std::vector<Case> cases = {
      {FaultRule::refuse("api"), 502, "upstream_connect_error", UpstreamOutcome::kConnectError},
      {FaultRule::reset("api"), 502, "upstream_reset", UpstreamOutcome::kReset},
      {FaultRule::protocolError("api"), 502, "upstream_protocol_error", UpstreamOutcome::kProtocolError},
      {FaultRule::hang("api"), 504, "upstream_timeout", UpstreamOutcome::kTimeout},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].outcome);
    h->faults.clear();
    h->faults.add(cases[i].rule);
    Exchange& ex = call();
    EXPECT_EQ(answers.list.size(), i) << "faults answer through the scheduler, never inline";
    h->scheduler.runAll();  // a hang ends at the 1 s deadline
    ASSERT_EQ(answers.list.size(), i + 1);
    EXPECT_EQ(answers.of(ex), 1u);
    EXPECT_EQ(answers.list[i].outcome, cases[i].outcome);
    EXPECT_EQ(answers.list[i].response.status, cases[i].status);
    EXPECT_EQ(answers.list[i].code(), cases[i].outcome);
    EXPECT_EQ(ex.callRecord().outcome, cases[i].kind);
    EXPECT_TRUE(ex.callRecord().forwarded);
    EXPECT_EQ(inFlightTotal(), 0);
  }
  EXPECT_EQ(h->transport.total, 0u) << "every try was answered by a fault";
}

TEST_F(CallTest, AResultAfterTheDeadlineIsIgnored) {
  configure();
  Exchange& ex = call();
  h->scheduler.runAll();
  ASSERT_EQ(answers.list.size(), 1u);
  EXPECT_EQ(answers.list[0].outcome, "upstream_timeout");
  EXPECT_EQ(h->clock.now(), t0 + seconds(1));
  h->transport.respond(200, "late");
  EXPECT_EQ(answers.of(ex), 1u);
  EXPECT_EQ(inFlightTotal(), 0);
}

TEST_F(CallTest, AnOpenBreakerAnswersCircuitOpenWithoutATry) {
  configure({{"circuit_breaker", {{"mode", "consecutive"}, {"max_errors", 1}, {"open_ms", 10000}}}});
  h->faults.add(FaultRule::refuse("api"));
  Exchange& first = call();
  h->runDue();
  EXPECT_EQ(first.callRecord().breakerTransition, nullptr);
  Exchange& second = call();
  h->runDue();
  ASSERT_NE(second.callRecord().breakerTransition, nullptr);
  EXPECT_EQ(second.callRecord().breakerTransition->to, BreakerState::kOpen);

  Exchange& third = call();
  ASSERT_EQ(answers.list.size(), 3u) << "refused at once";
  EXPECT_EQ(answers.list[2].outcome, "circuit_open");
  EXPECT_EQ(answers.list[2].response.status, 503);
  EXPECT_EQ(answers.list[2].response.headers.get("retry-after"), "10");
  const UpstreamRecord& r = third.callRecord();
  EXPECT_TRUE(r.circuitOpen);
  EXPECT_FALSE(r.forwarded);
  EXPECT_EQ(r.tries, 0u);
  EXPECT_EQ(third.upstream(), nullptr);
  EXPECT_EQ(h->faults.counters().calls, 2u);
}

TEST_F(CallTest, NoAvailableInstanceAnswersNoHealthyUpstream) {
  configure();
  service().balancer = std::make_unique<NothingAvailable>();
  Exchange& ex = call();
  ASSERT_EQ(answers.list.size(), 1u);
  EXPECT_EQ(answers.list[0].outcome, "no_healthy_upstream");
  EXPECT_EQ(answers.list[0].response.status, 503);
  EXPECT_FALSE(ex.callRecord().forwarded);
  EXPECT_EQ(h->faults.counters().calls, 0u);
}

TEST_F(CallTest, AFullServiceQueuesThenRefusesAndAWaiterGoesOnWhenASlotFrees) {
  configure({{"concurrency", {{"max_requests", 1}, {"max_pending", 1}}}});
  Exchange& a = call();
  Exchange& b = call();
  Exchange& c = call();
  EXPECT_EQ(h->transport.sends.size(), 1u);
  ASSERT_EQ(answers.list.size(), 1u);
  EXPECT_EQ(answers.of(c), 1u);
  EXPECT_EQ(answers.list[0].outcome, "overloaded");
  EXPECT_EQ(answers.list[0].response.status, 503);
  EXPECT_TRUE(c.callRecord().overloaded);
  EXPECT_FALSE(c.callRecord().forwarded);
  EXPECT_FALSE(a.callRecord().waitedForSlot);
  EXPECT_TRUE(b.callRecord().waitedForSlot);

  h->transport.respond(200, "a");
  EXPECT_EQ(answers.of(a), 1u);
  ASSERT_EQ(h->transport.sends.size(), 1u) << "b took the freed slot";
  h->transport.respond(200, "b");
  ASSERT_EQ(answers.list.size(), 3u);
  EXPECT_EQ(answers.list[2].outcome, "upstream");
  EXPECT_EQ(answers.list[2].response.body, "b");
  EXPECT_FALSE(b.callRecord().overloaded);
  EXPECT_EQ(service().concurrency->inFlight(), 0u);
}

TEST_F(CallTest, AWaiterWhoseDeadlineComesFirstAnswersPendingTimeout) {
  configure({{"concurrency", {{"max_requests", 1}, {"max_pending", 1}}}});
  Exchange& a = call();
  CallTarget shorter = h->shared.runtime()->route(0).target;
  shorter.timeout = millis(300);
  Exchange& b = call(makeRequest("GET", "/b"), &shorter);
  h->scheduler.runUntil(t0 + millis(300) - 1);
  EXPECT_TRUE(answers.list.empty());
  h->scheduler.runUntil(t0 + millis(300));
  ASSERT_EQ(answers.list.size(), 1u);
  EXPECT_EQ(answers.of(b), 1u);
  EXPECT_EQ(answers.list[0].outcome, "pending_timeout");
  EXPECT_EQ(answers.list[0].response.status, 504);
  EXPECT_TRUE(b.callRecord().overloaded);
  EXPECT_TRUE(b.callRecord().waitedForSlot);
  EXPECT_FALSE(b.callRecord().forwarded);
  EXPECT_EQ(service().concurrency->pending(), 0u);
  h->transport.respond(200);
  EXPECT_EQ(answers.of(a), 1u);
  EXPECT_EQ(h->transport.total, 1u);
}

TEST_F(CallTest, ARetryGoesToAnotherInstanceAndIsRecorded) {
  configure(nlohmann::json::object(), {{"retry", {{"max_retries", 2}, {"retry_on", {"connect_failure"}}, {"backoff", {{"base_ms", 0}}}}}});
  Exchange& ex = call();
  ASSERT_EQ(h->transport.sends.size(), 1u);
  const std::string first(h->transport.sends[0].endpoint.instance);
  h->transport.fail(UpstreamOutcome::kConnectError, "refused");
  EXPECT_TRUE(answers.list.empty());
  ASSERT_EQ(h->transport.sends.size(), 1u);
  const std::string second(h->transport.sends[0].endpoint.instance);
  EXPECT_NE(second, first);
  h->transport.respond(200);
  ASSERT_EQ(answers.of(ex), 1u);
  EXPECT_EQ(answers.list[0].outcome, "upstream");
  EXPECT_EQ(ex.callRecord().tries, 2u);
  EXPECT_EQ(ex.callRecord().instanceIndex, instanceIndex(second));
  EXPECT_FALSE(ex.callRecord().retryBudgetExhausted);
}

TEST_F(CallTest, AnEmptyRetryBudgetEndsTheCallWithTheFirstFailure) {
  configure({{"retry_budget", {{"percent", 0}, {"min_concurrency", 0}}}},
            {{"retry", {{"max_retries", 2}, {"retry_on", {"connect_failure"}}, {"backoff", {{"base_ms", 0}}}}}});
  h->faults.add(FaultRule::refuse("api"));
  Exchange& ex = call();
  h->runDue();
  ASSERT_EQ(answers.list.size(), 1u);
  EXPECT_EQ(answers.list[0].outcome, "upstream_connect_error");
  EXPECT_TRUE(ex.callRecord().retryBudgetExhausted);
  EXPECT_EQ(ex.callRecord().tries, 1u);
  EXPECT_EQ(h->faults.counters().calls, 1u);
}

TEST_F(CallTest, CancelMidTryGivesBackTheInFlightCountAndTheHalfOpenTrial) {
  configure({{"circuit_breaker", {{"mode", "consecutive"}, {"max_errors", 0}, {"open_ms", 1000}, {"half_open_calls", 1}}}});
  CircuitBreaker& breaker = *service().breaker;
  h->faults.add(FaultRule::refuse("api").times(1));
  call();
  h->runDue();
  ASSERT_EQ(breaker.state(), BreakerState::kOpen);
  h->clock.advance(seconds(1));

  Exchange& trial = call();
  ASSERT_EQ(h->transport.sends.size(), 1u);
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  EXPECT_EQ(breaker.snapshot(h->clock.now()).trialsInFlight, 1u);
  EXPECT_EQ(inFlightTotal(), 1);
  call();  // the one trial slot is taken
  EXPECT_EQ(answers.list.back().outcome, "circuit_open");

  trial.call.cancel();
  EXPECT_FALSE(trial.call.active());
  EXPECT_EQ(inFlightTotal(), 0);
  EXPECT_EQ(breaker.snapshot(h->clock.now()).trialsInFlight, 0u);
  EXPECT_EQ(answers.of(trial), 0u) << "a cancelled call never answers";
  EXPECT_EQ(h->scheduler.pending(), 0u);

  Exchange& next = call();  // admitted as the trial
  ASSERT_EQ(h->transport.sends.size(), 2u);
  h->transport.respond(500);  // the cancelled try's late result counts for nothing
  EXPECT_EQ(answers.of(trial), 0u);
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  h->transport.respond(200);
  EXPECT_EQ(answers.of(next), 1u);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

TEST_F(CallTest, AStreamedRequestBodyIsSentOnceAndNeverRetried) {
  configure(nlohmann::json::object(), {{"retry", {{"max_retries", 2}, {"retry_on", {"connect_failure"}}, {"backoff", {{"base_ms", 0}}}}}});
  Request streamed = makeRequest("PUT", "/upload");
  streamed.stream = std::make_shared<BodyStream>(std::nullopt);
  const BodyStream* raw = streamed.stream.get();
  Exchange& ex = call(std::move(streamed));
  ASSERT_EQ(h->transport.sends.size(), 1u);
  EXPECT_EQ(h->transport.sends[0].request.stream.get(), raw);
  EXPECT_EQ(ex.request.stream, nullptr) << "the body moved into the call";
  h->transport.fail(UpstreamOutcome::kConnectError);
  ASSERT_EQ(answers.of(ex), 1u);
  EXPECT_EQ(answers.list[0].outcome, "upstream_connect_error");
  EXPECT_EQ(ex.callRecord().tries, 1u);
  EXPECT_EQ(h->transport.total, 1u);

  // The same failure on a whole body is retried: the stream alone made the difference.
  Request whole = makeRequest("PUT", "/upload");
  whole.body = "bytes";
  Exchange& other = call(std::move(whole));
  h->transport.fail(UpstreamOutcome::kConnectError);
  ASSERT_EQ(h->transport.sends.size(), 1u);
  EXPECT_EQ(h->transport.sends[0].request.body, "bytes");
  h->transport.respond(200);
  EXPECT_EQ(other.callRecord().tries, 2u);
}

}  // namespace
}  // namespace gateway

namespace gateway {
namespace {

TEST_F(CallTest, AStreamedAnswerHoldsItsInstanceAndSlotUntilItsBodyIsDone) {
  configure({{"concurrency", {{"max_requests", 1}}}});
  Exchange& a = call();
  ASSERT_EQ(h->transport.sends.size(), 1u);
  UpstreamResult result;
  result.response.status = 200;
  auto body = std::make_shared<BodyStream>(std::uint64_t{6});
  body->write("abc");
  result.response.stream = body;
  h->transport.complete(std::move(result));
  ASSERT_EQ(answers.of(a), 1u);
  // The head is answered; the body is still on its way: the instance and the slot stay taken.
  EXPECT_EQ(inFlightTotal(), 1);
  EXPECT_EQ(service().concurrency->inFlight(), 1u);
  call();  // a second call finds the only slot taken
  EXPECT_EQ(answers.list.back().outcome, "overloaded");
  body->write("def");
  body->end();
  body.reset();
  answers.list.front().response.stream.reset();  // the reader is done with it
  EXPECT_EQ(inFlightTotal(), 0);
  EXPECT_EQ(service().concurrency->inFlight(), 0u);
}

TEST_F(CallTest, AClientsFailedRequestBodyIsNotTheUpstreamsFault) {
  configure({{"circuit_breaker", {{"mode", "consecutive"}, {"max_errors", 0}, {"open_ms", 10000}}}});
  Exchange& a = call(makeRequest("POST", "/upload"));
  UpstreamResult failed;
  failed.outcome = UpstreamOutcome::kReset;
  failed.detail = "the client's request body failed: the client closed the connection mid-body";
  failed.clientFault = true;
  h->transport.complete(std::move(failed));
  ASSERT_EQ(answers.of(a), 1u);
  EXPECT_EQ(answers.list[0].outcome, "request_body_error");
  EXPECT_EQ(answers.list[0].response.status, 400);
  EXPECT_EQ(service().breaker->state(), BreakerState::kClosed) << "a client's fault charges no breaker";
  EXPECT_EQ(service().breaker->snapshot(h->clock.now()).failures, 0u);
  // The same failure from the upstream's side does open it.
  call();
  h->transport.fail(UpstreamOutcome::kReset, "reset by peer");
  EXPECT_EQ(service().breaker->state(), BreakerState::kOpen);
}

}  // namespace
}  // namespace gateway
