// The request inspector's model fed literal records: the bounded ring, the filters (status
// class or status, route, outcome text) and their errors, the row near a selected time, and
// each kind of request's journey through the gateway as text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tools/gwdash/model/inspector_model.h"

namespace gwdash {
namespace {

RequestRecord inspectRecord(std::uint64_t id, int status, std::string route = "api", std::string outcome = "upstream") {
  RequestRecord r;
  r.id = id;
  r.start = gateway::millis(100) * static_cast<gateway::TimePoint>(id);
  r.end = r.start + gateway::millis(5);
  r.method = "GET";
  r.target = "/x";
  r.route = std::move(route);
  r.outcome = std::move(outcome);
  r.status = status;
  return r;
}

std::vector<std::uint64_t> inspectorVisibleIds(const InspectorModel& model) {
  std::vector<std::uint64_t> ids;
  for (std::size_t i : model.visible()) ids.push_back(model.at(i).id);
  return ids;
}

TEST(InspectorModel, KeepsTheLastNRequests) {
  InspectorModel model(3);
  for (std::uint64_t id = 1; id <= 5; ++id) model.onRequest(inspectRecord(id, 200));
  EXPECT_EQ(model.capacity(), 3u);
  EXPECT_EQ(model.size(), 3u);
  EXPECT_EQ(model.total(), 5u);
  EXPECT_EQ(model.at(0).id, 3u);
  EXPECT_EQ(model.at(2).id, 5u);
  EXPECT_EQ(model.find(2), nullptr);
  ASSERT_NE(model.find(4), nullptr);
  EXPECT_EQ(model.find(4)->id, 4u);
  EXPECT_EQ(inspectorVisibleIds(model), (std::vector<std::uint64_t>{3, 4, 5}));
  model.reset({});
  EXPECT_EQ(model.size(), 0u);
  EXPECT_TRUE(model.visible().empty());
}

TEST(InspectorModel, AFilterSetBeforehandFollowsTheRing) {
  InspectorModel model(3);
  model.setFilter({"5xx", "", ""});
  for (std::uint64_t id = 1; id <= 7; ++id) {
    model.onRequest(inspectRecord(id, id % 2 ? 500 : 200));
    std::vector<std::uint64_t> expected;
    for (std::uint64_t held = id > 3 ? id - 2 : 1; held <= id; ++held) {
      if (held % 2) expected.push_back(held);
    }
    EXPECT_EQ(inspectorVisibleIds(model), expected) << "after " << id;
  }
  model.setFilter({});
  EXPECT_EQ(inspectorVisibleIds(model), (std::vector<std::uint64_t>{5, 6, 7}));
}

TEST(InspectorModel, FiltersByStatusRouteAndOutcome) {
  InspectorModel model;
  model.onRequest(inspectRecord(1, 200));
  model.onRequest(inspectRecord(2, 429, "api", "rate_limited"));
  model.onRequest(inspectRecord(3, 404, "", "no_route"));
  model.onRequest(inspectRecord(4, 503, "pay", "circuit_open"));
  model.onRequest(inspectRecord(5, 504, "pay", "upstream_timeout"));
  model.onRequest(inspectRecord(6, 200, "pay"));
  EXPECT_EQ(model.routes(), (std::vector<std::string>{"-", "api", "pay"}));

  model.setFilter({"5xx", "", ""});
  EXPECT_EQ(inspectorVisibleIds(model), (std::vector<std::uint64_t>{4, 5}));
  model.setFilter({"4XX", "", ""});
  EXPECT_EQ(inspectorVisibleIds(model), (std::vector<std::uint64_t>{2, 3})) << "429 is a 4xx";
  model.setFilter({"429", "", ""});
  EXPECT_EQ(inspectorVisibleIds(model), (std::vector<std::uint64_t>{2}));
  model.setFilter({"", "pay", ""});
  EXPECT_EQ(inspectorVisibleIds(model), (std::vector<std::uint64_t>{4, 5, 6}));
  model.setFilter({"", "-", ""});
  EXPECT_EQ(inspectorVisibleIds(model), (std::vector<std::uint64_t>{3}));
  model.setFilter({"", "", "UPSTREAM"});
  EXPECT_EQ(inspectorVisibleIds(model), (std::vector<std::uint64_t>{1, 5, 6}));
  model.setFilter({"2xx", "pay", "upstream"});
  EXPECT_EQ(inspectorVisibleIds(model), (std::vector<std::uint64_t>{6}));
  // New requests join the filtered view.
  model.onRequest(inspectRecord(7, 201, "pay"));
  EXPECT_EQ(inspectorVisibleIds(model), (std::vector<std::uint64_t>{6, 7}));
}

TEST(InspectorModel, ABadStatusFilterSaysWhatIsWrongAndKeepsNothing) {
  InspectorModel model;
  model.onRequest(inspectRecord(1, 200));
  for (const char* bad : {"abc", "6xx", "2x", "20", "2000", "x00"}) {
    InspectorFilter filter{bad, "", ""};
    EXPECT_EQ(filter.error(), std::string("status filter \"") + bad +
                                  "\": expected a class such as 5xx or a status such as 429");
    model.setFilter(filter);
    EXPECT_TRUE(model.visible().empty()) << bad;
  }
  EXPECT_EQ((InspectorFilter{"503", "", ""}.error()), "");
  EXPECT_EQ((InspectorFilter{"", "", ""}.error()), "");
}

TEST(InspectorModel, RowNearASelectedTime) {
  InspectorModel model;
  EXPECT_FALSE(model.rowNear(0).has_value());
  for (std::uint64_t id = 1; id <= 10; ++id) model.onRequest(inspectRecord(id, id % 2 ? 200 : 500));
  // Request id ends at id * 100 ms + 5 ms.
  EXPECT_EQ(model.rowNear(0), 0u);
  EXPECT_EQ(model.rowNear(gateway::millis(405)), 3u);
  EXPECT_EQ(model.rowNear(gateway::millis(406)), 4u);
  EXPECT_EQ(model.rowNear(gateway::seconds(60)), 9u) << "after the last: the last";
  model.setFilter({"5xx", "", ""});  // ids 2, 4, 6, 8, 10
  EXPECT_EQ(model.rowNear(gateway::millis(405)), 1u);
  EXPECT_EQ(model.at(model.visible()[1]).id, 4u);
  EXPECT_EQ(model.rowNear(gateway::millis(406)), 2u);
}

TEST(InspectorModel, DigestFollowsWhatIsHeld) {
  InspectorModel a(4), b(4);
  for (std::uint64_t id = 1; id <= 6; ++id) {
    a.onRequest(inspectRecord(id, 200));
    b.onRequest(inspectRecord(id, 200));
  }
  EXPECT_EQ(a.digest(), b.digest());
  b.onRequest(inspectRecord(7, 200));
  EXPECT_NE(a.digest(), b.digest());
  a.reset({});
  EXPECT_EQ(a.digest(), InspectorModel(4).digest());
}

RequestRecord journeyServedRecord() {
  RequestRecord r;
  r.id = 9;
  r.correlationId = "c0ffee";
  r.start = gateway::seconds(2);
  r.end = r.start + gateway::millis(30);
  r.method = "GET";
  r.target = "/pay/1";
  r.client = "192.0.2.10:5000";
  r.route = "pay";
  r.consumer = "alice";
  r.tier = "gold";
  r.auth = "jwt";
  r.limiter = "allow:gold r=7";
  r.cache = "MISS";
  r.service = "payments";
  r.instance = "payments-2";
  r.tries = 2;
  r.upstream = gateway::millis(12);
  r.breakerTransition = "closed->open: 3 consecutive failures (more than max_errors 2)";
  r.outcome = "upstream";
  r.status = 200;
  return r;
}

TEST(RequestJourney, AServedRequestPassesEveryStage) {
  EXPECT_EQ(journeyText(journeyServedRecord()),
            "request: received (GET /pay/1 from 192.0.2.10:5000, at 2.000 s, correlation id c0ffee)\n"
            "route: matched pay\n"
            "consumer: alice (tier gold, authenticated by jwt)\n"
            "rate limit: allowed (policy gold, 7 left)\n"
            "cache: miss (not in the cache: the service was asked)\n"
            "circuit breaker: let the call through; its result moved the breaker "
            "(closed->open: 3 consecutive failures (more than max_errors 2))\n"
            "upstream: answered 200 (service payments, instance payments-2, 2 tries, latest try 12.0 ms)  <- decided the answer\n"
            "response: 200 (outcome upstream, total 30.0 ms: latest try 12.0 ms, the rest 18.0 ms)\n");
}

TEST(RequestJourney, ARateLimitedRequestStopsAtTheLimiter) {
  RequestRecord r = journeyServedRecord();
  r.limiter = "deny:gold retry=120000us";
  r.cache.clear();
  r.tries = 0;
  r.upstream = 0;
  r.breakerTransition.clear();
  r.outcome = "rate_limited";
  r.status = 429;
  const auto steps = journeyOf(r);
  ASSERT_EQ(steps.size(), 8u);
  EXPECT_TRUE(steps[3].decisive);
  EXPECT_EQ(steps[3].verdict, "denied");
  EXPECT_EQ(steps[3].detail, "policy gold, retry after 120.0 ms");
  for (std::size_t i : {4, 5, 6}) {
    EXPECT_FALSE(steps[i].reached) << steps[i].stage;
    EXPECT_EQ(steps[i].verdict, "not reached");
  }
  EXPECT_TRUE(steps[7].reached);
  EXPECT_EQ(steps[7].detail, "outcome rate_limited, total 30.0 ms");
}

TEST(RequestJourney, EarlyAnswersNameTheirStage) {
  RequestRecord noRoute = inspectRecord(1, 404, "", "no_route");
  EXPECT_EQ(journeyText(noRoute),
            "request: received (GET /x from -, at 0.100 s)\n"
            "route: no route matched  <- decided the answer\n"
            "consumer: not reached\n"
            "rate limit: not reached\n"
            "cache: not reached\n"
            "circuit breaker: not reached\n"
            "upstream: not reached\n"
            "response: 404 (outcome no_route, total 5.0 ms)\n");

  RequestRecord anonymous = inspectRecord(2, 401, "api", "missing_credentials");
  const auto authSteps = journeyOf(anonymous);
  EXPECT_EQ(authSteps[2].verdict, "missing credentials");
  EXPECT_TRUE(authSteps[2].decisive);
  EXPECT_FALSE(authSteps[3].reached);

  RequestRecord open = inspectRecord(3, 503, "pay", "circuit_open");
  open.service = "payments";
  open.circuitOpen = true;
  const auto openSteps = journeyOf(open);
  EXPECT_EQ(openSteps[5].verdict, "open");
  EXPECT_EQ(openSteps[5].detail, "answered without calling payments");
  EXPECT_TRUE(openSteps[5].decisive);
  EXPECT_EQ(openSteps[6].verdict, "not reached");

  RequestRecord hit = inspectRecord(4, 200, "pay", "cache_hit");
  hit.cache = "HIT";
  const auto hitSteps = journeyOf(hit);
  EXPECT_EQ(hitSteps[4].verdict, "hit");
  EXPECT_TRUE(hitSteps[4].decisive);
  EXPECT_EQ(hitSteps[3].verdict, "not limited");
  EXPECT_FALSE(hitSteps[6].reached);

  RequestRecord timedOut = inspectRecord(5, 504, "pay", "upstream_timeout");
  timedOut.service = "payments";
  timedOut.tries = 3;
  timedOut.upstream = gateway::millis(1);
  const auto timeoutSteps = journeyOf(timedOut);
  EXPECT_EQ(timeoutSteps[6].verdict, "timeout");
  EXPECT_EQ(timeoutSteps[6].detail, "service payments, 3 tries, latest try 1.0 ms");
  EXPECT_TRUE(timeoutSteps[6].decisive);

  // A stale copy served after the service failed: the cache decided, the upstream was reached.
  RequestRecord stale = timedOut;
  stale.outcome = "cache_stale";
  stale.cache = "STALE";
  stale.status = 200;
  const auto staleSteps = journeyOf(stale);
  EXPECT_TRUE(staleSteps[4].decisive);
  EXPECT_TRUE(staleSteps[6].reached);
  EXPECT_EQ(staleSteps[6].verdict, "failed; the cache's stale copy stood in");
}

}  // namespace
}  // namespace gwdash
