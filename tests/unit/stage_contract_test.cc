// The Stage contract (pipeline/stage.h) through a real Gateway with stages of the test's own:
// request order and reverse response order, local answers that pass back only through the
// stages that saw the request, pauses resumed from a timer or answered from another exchange's
// completion (request coalescing), Resumers that act once and never after their Gateway went
// away, Directions, onAdmitted, and response stages rewriting the answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;

std::shared_ptr<const Config> contractConfig() {
  return testing::mustParse(R"({
    "services": [{"name": "svc", "instances": [{"id": "s1", "address": "10.0.0.1:80"}], "timeout_ms": 1000}],
    "routes": [{"name": "all", "match": {"prefix": "/"}, "service": "svc"}]
  })");
}

using Log = std::vector<std::string>;

// Logs "name>" on the way in and "name<" on the way out; optional behaviour per direction.
class ScriptedStage : public Stage {
 public:
  ScriptedStage(std::string name, Log& log, Directions directions = kBoth)
      : Stage(directions), name_(std::move(name)), log_(log) {}

  std::optional<Response> onRequest(Exchange& ex) override {
    log_.push_back(name_ + ">");
    return onRequestDo ? onRequestDo(ex) : std::nullopt;
  }
  void onResponse(Exchange& ex, Response& response) override {
    log_.push_back(name_ + "<");
    if (onResponseDo) onResponseDo(ex, response);
  }

  std::function<std::optional<Response>(Exchange&)> onRequestDo;
  std::function<void(Exchange&, Response&)> onResponseDo;

 private:
  std::string name_;
  Log& log_;
};

// Records the observer calls in the stages' log, with the virtual time of onAdmitted.
struct Observer : ExchangeObserver {
  Observer(Log& log, const Clock& clock) : log(log), clock(clock) {}
  void onAdmitted(const Exchange&) override {
    log.push_back("admitted");
    admittedAt.push_back(clock.now());
  }
  void onComplete(const Exchange&, const Response& r) override { completed.push_back(r.status); }
  Log& log;
  const Clock& clock;
  std::vector<TimePoint> admittedAt;
  std::vector<int> completed;
};

Response plain(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

class StageContract : public ::testing::Test {
 protected:
  StageContract() {
    for (const char* name : {"a", "b", "c"}) {
      auto stage = std::make_unique<ScriptedStage>(name, log);
      stages.push_back(stage.get());
      h.gateway.addStage(std::move(stage));
    }
    h.gateway.setObserver(&observer);
  }
  ScriptedStage& a() { return *stages[0]; }
  ScriptedStage& b() { return *stages[1]; }
  ScriptedStage& c() { return *stages[2]; }

  GatewayHarness h{contractConfig()};
  const TimePoint t0 = h.clock.now();
  Log log;
  Observer observer{log, h.clock};
  std::vector<ScriptedStage*> stages;
};

TEST_F(StageContract, RequestStagesRunInOrderThenAdmittedAndResponseStagesInReverse) {
  auto res = h.start(makeRequest("GET", "/x"));
  EXPECT_EQ(log, (Log{"a>", "b>", "c>", "admitted"}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  h.transport.respond(200, "ok");
  EXPECT_EQ(log, (Log{"a>", "b>", "c>", "admitted", "c<", "b<", "a<"}));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->body, "ok");
  EXPECT_EQ(observer.admittedAt, std::vector<TimePoint>{t0});
  EXPECT_EQ(observer.completed, std::vector<int>{200});
}

TEST_F(StageContract, LocalAnswerPassesBackOnlyThroughTheStagesThatSawTheRequest) {
  b().onRequestDo = [](Exchange&) { return plain(403, "no"); };
  a().onResponseDo = [](Exchange&, Response& r) { r.headers.set("X-Seen-By-A", "1"); };
  auto res = h.start(makeRequest("GET", "/x"));
  ASSERT_TRUE(res->has_value()) << "a local answer comes before handle() returns";
  EXPECT_EQ((*res)->status, 403);
  EXPECT_EQ((*res)->headers.get("x-seen-by-a"), "1");
  EXPECT_EQ(log, (Log{"a>", "b>", "b<", "a<"})) << "c never runs, and no onAdmitted";
  EXPECT_EQ(h.faults.counters().calls, 0u);
  EXPECT_EQ(h.transport.total, 0u);
  EXPECT_EQ(h.gateway.inFlight(), 0u);
}

TEST_F(StageContract, PauseResumedFromATimerGoesOnWithTheNextStageAtThatTime) {
  b().onRequestDo = [this](Exchange& ex) {
    h.scheduler.schedule(h.clock.now() + millis(250), [r = ex.pause()]() mutable { r.resume(); });
    return std::nullopt;
  };
  auto res = h.start(makeRequest("GET", "/x"));
  EXPECT_EQ(log, (Log{"a>", "b>"}));
  h.scheduler.runUntil(t0 + millis(250) - 1);
  EXPECT_EQ(log.size(), 2u);
  EXPECT_EQ(h.transport.total, 0u);
  h.scheduler.runUntil(t0 + millis(250));
  EXPECT_EQ(log, (Log{"a>", "b>", "c>", "admitted"}));
  EXPECT_EQ(observer.admittedAt, std::vector<TimePoint>{t0 + millis(250)});
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.transport.sends[0].deadline, t0 + millis(250) + millis(1000)) << "the call starts at the resume";
  h.transport.respond(200);
  EXPECT_EQ(log, (Log{"a>", "b>", "c>", "admitted", "c<", "b<", "a<"}));
  EXPECT_EQ((*res)->status, 200);
}

// The pattern of a cache's request coalescing: the first request for a key goes upstream,
// the others pause, and the leader's response answers them with copies.
class CoalescingStage final : public Stage {
 public:
  std::optional<Response> onRequest(Exchange& ex) override {
    const std::string key(ex.request.path());
    auto it = inFlight_.find(key);
    if (it == inFlight_.end()) {
      inFlight_[key];  // a leader, no followers yet
      leaders_[&ex] = key;
    } else {
      it->second.push_back(ex.pause());
    }
    return std::nullopt;
  }
  void onResponse(Exchange& ex, Response& response) override {
    auto leader = leaders_.find(&ex);
    if (leader == leaders_.end()) return;  // a follower's answer passing back
    auto followers = std::move(inFlight_[leader->second]);
    inFlight_.erase(leader->second);
    leaders_.erase(leader);
    for (Resumer& follower : followers) follower.answer(response);
  }

 private:
  std::map<std::string, std::vector<Resumer>> inFlight_;
  std::map<const Exchange*, std::string> leaders_;
};

TEST(StageContractCoalescing, FollowersAreAnsweredOnceEachFromTheLeadersResponse) {
  GatewayHarness h(contractConfig());
  Log log;
  auto outer = std::make_unique<ScriptedStage>("outer", log);
  outer->onResponseDo = [](Exchange&, Response& r) { r.headers.add("X-Outer", "1"); };
  h.gateway.addStage(std::move(outer));
  h.gateway.addStage(std::make_unique<CoalescingStage>());
  h.gateway.addStage(std::make_unique<ScriptedStage>("inner", log));

  constexpr int kFollowers = 5;
  std::vector<std::shared_ptr<std::optional<Response>>> results;
  for (int i = 0; i <= kFollowers; ++i) results.push_back(h.start(makeRequest("GET", "/item/7")));
  auto other = h.start(makeRequest("GET", "/item/8"));  // another key: its own leader
  EXPECT_EQ(h.transport.total, 2u);
  EXPECT_EQ(h.gateway.inFlight(), kFollowers + 2u);

  h.transport.respond(200, "item seven", Headers{{"ETag", "\"7\""}});
  ASSERT_EQ(h.answered, kFollowers + 1u);
  std::set<std::string> correlationIds;
  for (const auto& r : results) {
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ((*r)->status, 200);
    EXPECT_EQ((*r)->body, "item seven");
    EXPECT_EQ((*r)->headers.get("etag"), "\"7\"");
    EXPECT_EQ((*r)->headers.all("x-outer").size(), 1u) << "each answer passes the outer stage once";
    correlationIds.insert(std::string((*r)->headers.get("x-correlation-id")));
  }
  EXPECT_EQ(correlationIds.size(), kFollowers + 1u) << "every copy carries its own exchange's id";
  // Only the leader went past the coalescing stage.
  EXPECT_EQ(std::count(log.begin(), log.end(), "inner>"), 2);
  EXPECT_EQ(std::count(log.begin(), log.end(), "inner<"), 1);
  EXPECT_EQ(std::count(log.begin(), log.end(), "outer<"), kFollowers + 1);

  EXPECT_FALSE(other->has_value());
  h.transport.respond(200, "item eight");
  EXPECT_EQ((*other)->body, "item eight");
  h.scheduler.runAll();
  EXPECT_EQ(h.answered, kFollowers + 2u);
  EXPECT_EQ(h.transport.total, 2u);
  EXPECT_EQ(h.gateway.inFlight(), 0u);
}

TEST_F(StageContract, AResumerActsOnceAndNotAfterAnAnswer) {
  std::vector<Resumer> paused;
  b().onRequestDo = [&](Exchange& ex) {
    paused.push_back(ex.pause());
    return std::nullopt;
  };
  auto first = h.start(makeRequest("GET", "/1"));
  auto second = h.start(makeRequest("GET", "/2"));
  ASSERT_EQ(paused.size(), 2u);

  Resumer copy = paused[0];  // copies share the one wake-up
  EXPECT_TRUE(copy.pending());
  paused[0].resume();
  EXPECT_EQ(h.transport.total, 1u);
  EXPECT_FALSE(copy.pending());
  copy.resume();
  paused[0].resume();
  copy.answer(plain(500, "late"));
  EXPECT_EQ(h.transport.total, 1u) << "resumed once";
  EXPECT_FALSE(first->has_value());

  paused[1].answer(plain(418, "teapot"));
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->status, 418);
  paused[1].resume();
  paused[1].answer(plain(500, "again"));
  EXPECT_EQ(h.transport.total, 1u) << "an answered exchange never goes upstream";
  EXPECT_EQ((*second)->status, 418);
  h.transport.respond(200);
  h.scheduler.runAll();
  EXPECT_EQ(h.answered, 2u);
  EXPECT_EQ(std::count(log.begin(), log.end(), "c>"), 1);
}

TEST_F(StageContract, AUsedResumerDoesNotWakeALaterPauseOfTheSameExchange) {
  std::vector<Resumer> paused;
  auto pause = [&](Exchange& ex) -> std::optional<Response> {
    paused.push_back(ex.pause());
    return std::nullopt;
  };
  b().onRequestDo = pause;
  c().onRequestDo = pause;
  h.start(makeRequest("GET", "/x"));
  ASSERT_EQ(paused.size(), 1u);
  Resumer first = paused[0];
  paused[0].resume();
  ASSERT_EQ(paused.size(), 2u) << "c paused in its turn";
  first.resume();  // b's wake-up, used already
  EXPECT_EQ(h.transport.total, 0u);
  EXPECT_TRUE(paused[1].pending());
  paused[1].resume();
  EXPECT_EQ(h.transport.total, 1u);
  EXPECT_EQ(log, (Log{"a>", "b>", "c>", "admitted"}));
}

TEST_F(StageContract, AnAnswerReturnedAfterPausingWinsAndTheResumerIsStale) {
  std::optional<Resumer> stale;
  b().onRequestDo = [&](Exchange& ex) {
    stale = ex.pause();
    return plain(401, "denied");
  };
  auto res = h.start(makeRequest("GET", "/x"));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 401);
  EXPECT_FALSE(stale->pending());
  stale->resume();
  EXPECT_EQ(h.transport.total, 0u);
  EXPECT_EQ(log, (Log{"a>", "b>", "b<", "a<"}));
}

// A stage whose wake-up comes inline, before its onRequest returns (a lookup that turned out
// to be ready): the pipeline goes on once, from the next stage.
TEST_F(StageContract, PauseResumedBeforeOnRequestReturnsGoesOnOnce) {
  b().onRequestDo = [](Exchange& ex) {
    ex.pause().resume();
    return std::nullopt;
  };
  auto res = h.start(makeRequest("GET", "/x"));
  EXPECT_EQ(log, (Log{"a>", "b>", "c>", "admitted"}));
  EXPECT_EQ(h.transport.total, 1u);
  h.transport.respond(200);
  EXPECT_EQ((*res)->status, 200);
  EXPECT_EQ(log, (Log{"a>", "b>", "c>", "admitted", "c<", "b<", "a<"}));
}

TEST_F(StageContract, PauseAnsweredBeforeOnRequestReturnsGoesNoFurther) {
  b().onRequestDo = [](Exchange& ex) {
    ex.pause().answer(plain(204, ""));
    return std::nullopt;
  };
  auto res = h.start(makeRequest("GET", "/x"));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 204);
  EXPECT_EQ(log, (Log{"a>", "b>", "b<", "a<"}));
  EXPECT_EQ(h.transport.total, 0u) << "the answered exchange must not go upstream";
  h.scheduler.runAll();
  EXPECT_EQ(h.answered, 1u);
  EXPECT_EQ(h.gateway.inFlight(), 0u);
}

TEST(StageContractLifetime, AResumerAfterTheGatewayWentAwayDoesNothing) {
  ManualClock clock(seconds(1));
  ManualScheduler scheduler(clock);
  testing::FakeTransport transport;
  Random random(3);
  Env env{clock, scheduler, transport, random};
  SharedState shared(contractConfig());
  auto gateway = std::make_unique<Gateway>(shared, env);

  std::vector<Resumer> held;
  Log log;
  auto pausing = std::make_unique<ScriptedStage>("p", log);
  pausing->onRequestDo = [&](Exchange& ex) -> std::optional<Response> {
    held.push_back(ex.pause());
    scheduler.schedule(clock.now() + millis(10), [r = held.back()]() mutable { r.resume(); });
    return std::nullopt;
  };
  gateway->addStage(std::move(pausing));
  int answered = 0;
  for (int i = 0; i < 3; ++i) gateway->handle(makeRequest("GET", "/x"), [&answered](Response) { ++answered; });
  ASSERT_EQ(held.size(), 3u);
  std::weak_ptr<Exchange> watched = held[0].exchange()->shared_from_this();

  gateway.reset();
  for (Resumer& r : held) EXPECT_FALSE(r.pending());
  held[0].resume();
  held[1].answer(plain(200, "too late"));
  scheduler.runAll();  // the timers' copies resume nothing
  EXPECT_EQ(answered, 0);
  EXPECT_EQ(transport.total, 0u);
  EXPECT_FALSE(watched.expired()) << "still held by the test's Resumers";
  held.clear();
  EXPECT_TRUE(watched.expired()) << "the last Resumer lets the exchange go";
}

TEST_F(StageContract, DirectionsSkipTheCallsAStageDoesNotUse) {
  h.gateway.addStage(std::make_unique<ScriptedStage>("req-only", log, Stage::kRequest));
  h.gateway.addStage(std::make_unique<ScriptedStage>("resp-only", log, Stage::kResponse));
  h.start(makeRequest("GET", "/x"));
  h.transport.respond(200);
  EXPECT_EQ(log, (Log{"a>", "b>", "c>", "req-only>", "admitted", "resp-only<", "c<", "b<", "a<"}));
}

TEST_F(StageContract, OnAdmittedComesOnceAtTheResumeOfAPausedExchange) {
  c().onRequestDo = [this](Exchange& ex) {
    if (ex.request.path() == "/slow") {
      h.scheduler.schedule(h.clock.now() + seconds(2), [r = ex.pause()]() mutable { r.resume(); });
    }
    return std::nullopt;
  };
  h.start(makeRequest("GET", "/slow"));
  h.clock.advance(millis(500));
  h.start(makeRequest("GET", "/fast"));
  EXPECT_EQ(observer.admittedAt, std::vector<TimePoint>{t0 + millis(500)});
  h.scheduler.runAll();
  EXPECT_EQ(observer.admittedAt, (std::vector<TimePoint>{t0 + millis(500), t0 + seconds(2)}));
  EXPECT_EQ(std::count(log.begin(), log.end(), "admitted"), 2);
  EXPECT_EQ(h.transport.total, 2u);
}

TEST_F(StageContract, ResponseStagesRewriteStatusHeadersAndBodyInReverseOrder) {
  c().onResponseDo = [](Exchange&, Response& r) {
    r.status = 203;
    r.body = "[" + r.body + "]";
    r.headers.remove("X-Internal");
    r.headers.set("X-By-C", "1");
  };
  std::string seenByA;
  a().onResponseDo = [&](Exchange&, Response& r) {
    seenByA = std::to_string(r.status) + " " + r.body;
    r.body += "!";
  };
  auto res = h.start(makeRequest("GET", "/x"));
  h.transport.respond(200, "data", Headers{{"X-Internal", "secret"}, {"X-Kept", "k"}});
  EXPECT_EQ(seenByA, "203 [data]") << "a sees what c made of it";
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 203);
  EXPECT_EQ((*res)->body, "[data]!");
  EXPECT_FALSE((*res)->headers.has("x-internal"));
  EXPECT_EQ((*res)->headers.get("x-by-c"), "1");
  EXPECT_EQ((*res)->headers.get("x-kept"), "k");
  EXPECT_EQ(observer.completed, std::vector<int>{203}) << "observers see the rewritten answer";
}

}  // namespace
}  // namespace gateway
