// Gateway end to end in frozen time: local answers (404, 405, 503), forwarding (path rewrite,
// query, hop-by-hop, X-Forwarded-For, correlation, traceparent), upstream failures (502, 504),
// the deadline timer, and weighted splits.
#include "libgateway/pipeline/gateway.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "libgateway/pipeline/correlation.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;


std::shared_ptr<const Config> gatewayConfig() {
  return testing::mustParse(R"({
    "services": [
      {"name": "users", "instances": [{"id": "u1", "address": "10.0.0.1:8080"}], "timeout_ms": 5000},
      {"name": "orders", "instances": [{"id": "o1", "address": "10.0.1.1:9000"}]},
      {"name": "stable", "instances": ["10.0.2.1:80"]},
      {"name": "canary", "instances": ["10.0.3.1:80"]},
      {"name": "blue", "instances": ["10.0.4.1:80"]},
      {"name": "green", "instances": ["10.0.5.1:80"]},
      {"name": "red", "instances": ["10.0.6.1:80"]},
      {"name": "sticky", "instances": ["10.0.7.1:80", "10.0.7.2:80", "10.0.7.3:80", "10.0.7.4:80"],
       "load_balancer": {"algorithm": "ring_hash", "hash_on": "client_address"}},
      {"name": "by-user", "instances": ["10.0.8.1:80", "10.0.8.2:80", "10.0.8.3:80"],
       "load_balancer": {"algorithm": "maglev", "hash_on": "header:X-User"}}
    ],
    "routes": [
      {"name": "user", "match": {"template": "/api/users/{id}"}, "service": "users",
       "rewrite": "/v2/users/{id}", "timeout_ms": 250},
      {"name": "user-default-timeout", "match": {"path": "/api/users"}, "service": "users"},
      {"name": "orders", "match": {"prefix": "/api/orders"}, "service": "orders", "strip_prefix": true},
      {"name": "items", "match": {"path": "/items", "methods": ["POST", "GET"]}, "service": "orders"},
      {"name": "canary", "match": {"path": "/canary"},
       "split": [{"service": "stable", "weight": 90}, {"service": "canary", "weight": 10}]},
      {"name": "sticky", "match": {"prefix": "/sticky"}, "service": "sticky"},
      {"name": "by-user", "match": {"prefix": "/by-user"}, "service": "by-user"},
      {"name": "three", "match": {"path": "/three"},
       "split": [{"service": "blue", "weight": 50}, {"service": "green", "weight": 30}, {"service": "red", "weight": 20}]}
    ]
  })");
}

nlohmann::json bodyOf(const Response& r) { return nlohmann::json::parse(r.body); }

class GatewayTest : public ::testing::Test {
 protected:
  GatewayHarness h{gatewayConfig()};
  const TimePoint t0 = h.clock.now();
};

TEST_F(GatewayTest, NoRouteAnswers404JsonAtOnce) {
  auto res = h.start(makeRequest("GET", "/nope?x=1"));
  ASSERT_TRUE(res->has_value());  // answered inside handle()
  const Response& r = **res;
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.get("content-type"), "application/json");
  EXPECT_EQ(bodyOf(r), nlohmann::json::parse(
                           R"({"error": {"status": 404, "code": "no_route", "message": "no route for GET /nope"}})"));
  EXPECT_TRUE(testing::isUuidV4(std::string(r.headers.get("x-correlation-id"))));
  EXPECT_EQ(h.transport.total, 0u);
  EXPECT_EQ(h.gateway.inFlight(), 0u);
  EXPECT_EQ(h.scheduler.pending(), 0u);
}

TEST_F(GatewayTest, WrongMethodAnswers405WithAllow) {
  auto res = h.start(makeRequest("DELETE", "/items"));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 405);
  EXPECT_EQ((*res)->headers.get("allow"), "GET, POST");
  EXPECT_EQ(bodyOf(**res)["error"]["code"], "method_not_allowed");
  EXPECT_EQ(bodyOf(**res)["error"]["message"], "DELETE is not allowed on /items; allowed: GET, POST");
  EXPECT_EQ(h.transport.total, 0u);
  EXPECT_EQ(h.gateway.inFlight(), 0u);
}

TEST_F(GatewayTest, ForwardsRewrittenPathWithQueryAndRelaysResponse) {
  Request req = makeRequest("POST", "/api/users/42?expand=orders&x=%20y", {{"Host", "gw.example.com"}});
  req.body = R"({"name": "alice"})";
  auto res = h.start(std::move(req));
  EXPECT_FALSE(res->has_value());
  ASSERT_EQ(h.transport.sends.size(), 1u);
  const auto& sent = h.transport.sends.front();
  EXPECT_EQ(sent.endpoint.service, "users");
  EXPECT_EQ(sent.endpoint.instance, "u1");
  EXPECT_EQ(sent.endpoint.address, "10.0.0.1:8080");
  EXPECT_EQ(sent.request.method, "POST");
  EXPECT_EQ(sent.request.target, "/v2/users/42?expand=orders&x=%20y");
  EXPECT_EQ(sent.request.body, R"({"name": "alice"})");
  EXPECT_EQ(sent.request.headers.get("host"), "gw.example.com");
  EXPECT_EQ(sent.deadline, t0 + millis(250));  // the route's timeout_ms
  EXPECT_EQ(h.instanceInFlight(0, 0), 1);
  EXPECT_EQ(h.gateway.inFlight(), 1u);

  h.clock.advance(millis(30));
  h.transport.respond(201, "created", Headers{{"Content-Type", "text/plain"}, {"Connection", "close"},
                                             {"Keep-Alive", "timeout=5"}, {"X-Upstream", "1"}});
  ASSERT_TRUE(res->has_value());
  const Response& r = **res;
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "created");
  EXPECT_EQ(r.headers.get("x-upstream"), "1");
  EXPECT_FALSE(r.headers.has("connection"));
  EXPECT_FALSE(r.headers.has("keep-alive"));
  EXPECT_EQ(h.instanceInFlight(0, 0), 0);
  EXPECT_EQ(h.gateway.inFlight(), 0u);
  EXPECT_EQ(h.scheduler.pending(), 0u);  // the deadline timer was cancelled
  h.scheduler.runAll();
  EXPECT_EQ(h.answered, 1u);
}

TEST_F(GatewayTest, StripPrefixKeepsQuery) {
  h.start(makeRequest("GET", "/api/orders/7/items?page=2"));
  h.start(makeRequest("GET", "/api/orders?all"));
  h.start(makeRequest("GET", "/api/orders/?"));
  ASSERT_EQ(h.transport.sends.size(), 3u);
  EXPECT_EQ(h.transport.sends[0].request.target, "/7/items?page=2");
  EXPECT_EQ(h.transport.sends[1].request.target, "/?all");
  EXPECT_EQ(h.transport.sends[2].request.target, "/?");
  // No route timeout: the service's default (30 s) bounds the call.
  EXPECT_EQ(h.transport.sends[0].deadline, t0 + seconds(30));
}

TEST_F(GatewayTest, ServiceTimeoutAppliesWhenRouteHasNone) {
  h.start(makeRequest("GET", "/api/users"));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.transport.sends[0].deadline, t0 + millis(5000));
}

TEST_F(GatewayTest, RemovesHopByHopHeadersAndAppendsForwardedFor) {
  Request req = makeRequest("GET", "/api/orders/1",
                            {{"Connection", "keep-alive, X-Hop"},
                             {"Keep-Alive", "timeout=5"},
                             {"TE", "trailers"},
                             {"Upgrade", "h2c"},
                             {"Transfer-Encoding", "chunked"},
                             {"Proxy-Authorization", "Basic eDp5"},
                             {"X-Hop", "private"},
                             {"X-Forwarded-For", "203.0.113.5"},
                             {"x-forwarded-for", "198.51.100.7"},
                             {"Authorization", "Bearer abc"},
                             {"Accept", "application/json"}},
                            "192.0.2.10:51000");
  h.start(std::move(req));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  const Headers& up = h.transport.sends[0].request.headers;
  for (auto name : {"connection", "keep-alive", "te", "upgrade", "transfer-encoding", "proxy-authorization", "x-hop"}) {
    EXPECT_FALSE(up.has(name)) << name;
  }
  EXPECT_EQ(up.get("authorization"), "Bearer abc");
  EXPECT_EQ(up.get("accept"), "application/json");
  // Both earlier fields are one list; the client's IP (without port) goes last, in one field.
  EXPECT_EQ(up.all("x-forwarded-for"), (std::vector<std::string_view>{"203.0.113.5, 198.51.100.7, 192.0.2.10"}));
  EXPECT_EQ(up.get("x-forwarded-proto"), "http");
}

TEST_F(GatewayTest, ForwardedForStartsWithClientIp) {
  h.start(makeRequest("GET", "/api/orders/1", {}, "192.0.2.10:51000"));
  h.start(makeRequest("GET", "/api/orders/2", {}, "[2001:db8::7]:443"));
  h.start(makeRequest("GET", "/api/orders/3", {{"X-Forwarded-Proto", "https"}}, "2001:db8::8"));
  ASSERT_EQ(h.transport.sends.size(), 3u);
  EXPECT_EQ(h.transport.sends[0].request.headers.get("x-forwarded-for"), "192.0.2.10");
  EXPECT_EQ(h.transport.sends[1].request.headers.get("x-forwarded-for"), "2001:db8::7");
  EXPECT_EQ(h.transport.sends[2].request.headers.get("x-forwarded-for"), "2001:db8::8");
  EXPECT_EQ(h.transport.sends[2].request.headers.get("x-forwarded-proto"), "https");  // kept
}

TEST_F(GatewayTest, ValidCorrelationIdIsKeptEverywhere) {
  auto res = h.start(makeRequest("GET", "/api/orders/1", {{"X-Correlation-ID", "order-flow-77"}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.transport.sends[0].request.headers.all("x-correlation-id"),
            (std::vector<std::string_view>{"order-flow-77"}));
  h.transport.respond(200);
  EXPECT_EQ((*res)->headers.get("X-Correlation-ID"), "order-flow-77");
}

TEST_F(GatewayTest, XRequestIdIsAcceptedAsCorrelationId) {
  auto res = h.start(makeRequest("GET", "/api/orders/1", {{"X-Request-ID", "req-5"}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.transport.sends[0].request.headers.get("x-correlation-id"), "req-5");
  h.transport.respond(200);
  EXPECT_EQ((*res)->headers.get("X-Correlation-ID"), "req-5");
}

TEST_F(GatewayTest, MissingOrInvalidCorrelationIdIsGenerated) {
  auto missing = h.start(makeRequest("GET", "/api/orders/1"));
  auto invalid = h.start(makeRequest("GET", "/api/orders/2", {{"X-Correlation-ID", "bad id\twith spaces"}}));
  auto tooLong = h.start(makeRequest("GET", "/api/orders/3", {{"X-Correlation-ID", std::string(129, 'a')}}));
  ASSERT_EQ(h.transport.sends.size(), 3u);
  std::vector<std::string> upstreamIds;
  for (const auto& s : h.transport.sends) {
    const auto ids = s.request.headers.all("x-correlation-id");
    ASSERT_EQ(ids.size(), 1u);  // replaced, not added next to the bad one
    upstreamIds.emplace_back(ids[0]);
    EXPECT_TRUE(testing::isUuidV4(upstreamIds.back())) << upstreamIds.back();
  }
  EXPECT_NE(upstreamIds[0], upstreamIds[1]);
  h.transport.respond(200);
  h.transport.respond(200);
  h.transport.respond(200);
  EXPECT_EQ((*missing)->headers.get("x-correlation-id"), upstreamIds[0]);
  EXPECT_EQ((*invalid)->headers.get("x-correlation-id"), upstreamIds[1]);
  EXPECT_EQ((*tooLong)->headers.get("x-correlation-id"), upstreamIds[2]);
}

TEST_F(GatewayTest, ValidTraceParentGetsAChildSpan) {
  const std::string incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  h.start(makeRequest("GET", "/api/orders/1", {{"traceparent", incoming}}));
  h.start(makeRequest("GET", "/api/orders/1", {{"traceparent", incoming}}));
  ASSERT_EQ(h.transport.sends.size(), 2u);
  std::vector<std::string> spans;
  for (const auto& s : h.transport.sends) {
    ASSERT_EQ(s.request.headers.all("traceparent").size(), 1u);
    const auto tp = parseTraceParent(s.request.headers.get("traceparent"));
    ASSERT_TRUE(tp);
    EXPECT_EQ(tp->traceId(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(tp->flags(), "01");
    EXPECT_NE(tp->parentId(), "00f067aa0ba902b7");
    spans.emplace_back(tp->parentId());
  }
  EXPECT_NE(spans[0], spans[1]);
}

TEST_F(GatewayTest, InvalidOrMissingTraceParentStartsANewTrace) {
  const std::string invalid = "00-00000000000000000000000000000000-00f067aa0ba902b7-01";
  h.start(makeRequest("GET", "/api/orders/1", {{"traceparent", invalid}}));
  h.start(makeRequest("GET", "/api/orders/2"));
  ASSERT_EQ(h.transport.sends.size(), 2u);
  const auto a = parseTraceParent(h.transport.sends[0].request.headers.get("traceparent"));
  const auto b = parseTraceParent(h.transport.sends[1].request.headers.get("traceparent"));
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(a->traceId(), "00000000000000000000000000000000");
  EXPECT_NE(a->parentId(), "00f067aa0ba902b7");
  EXPECT_NE(a->traceId(), b->traceId());
  EXPECT_EQ(a->flags(), "01");
}

struct FailureCase {
  UpstreamOutcome outcome;
  int status;
  std::string code;
  std::string message;
};

TEST_F(GatewayTest, UpstreamFailuresMapTo502And504) {
  const std::vector<FailureCase> cases = {
      {UpstreamOutcome::kConnectError, 502, "upstream_connect_error",
       "upstream orders failed: connect_error (connection refused)"},
      {UpstreamOutcome::kProtocolError, 502, "upstream_protocol_error",
       "upstream orders failed: protocol_error (connection refused)"},
      {UpstreamOutcome::kReset, 502, "upstream_reset", "upstream orders failed: reset (connection refused)"},
      {UpstreamOutcome::kTimeout, 504, "upstream_timeout", "the upstream did not answer within the route's deadline"},
  };
  for (const auto& c : cases) {
    auto res = h.start(makeRequest("GET", "/api/orders/1"));
    h.transport.fail(c.outcome, "connection refused");
    ASSERT_TRUE(res->has_value()) << toString(c.outcome);
    EXPECT_EQ((*res)->status, c.status) << toString(c.outcome);
    EXPECT_EQ(bodyOf(**res)["error"]["code"], c.code);
    EXPECT_EQ(bodyOf(**res)["error"]["message"], c.message);
    EXPECT_TRUE((*res)->headers.has("x-correlation-id"));
    EXPECT_EQ(h.instanceInFlight(1, 0), 0);
    EXPECT_EQ(h.gateway.inFlight(), 0u);
    EXPECT_EQ(h.scheduler.pending(), 0u);
  }
}

// Records each completed exchange's outcome and timing.
struct Recorder : ExchangeObserver {
  void onComplete(const Exchange& ex, const Response& response) override {
    outcomes.emplace_back(ex.outcome);
    statuses.push_back(response.status);
    ends.push_back(ex.end);
  }
  std::vector<std::string> outcomes;
  std::vector<int> statuses;
  std::vector<TimePoint> ends;
};

TEST_F(GatewayTest, SilentUpstreamTimesOutAtExactlyTheDeadline) {
  Recorder recorder;
  h.gateway.setObserver(&recorder);
  auto res = h.start(makeRequest("GET", "/api/users/9"));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.scheduler.nextTime(), t0 + millis(250));

  h.scheduler.runUntil(t0 + millis(250) - 1);
  EXPECT_FALSE(res->has_value());
  EXPECT_EQ(h.instanceInFlight(0, 0), 1);

  h.scheduler.runUntil(t0 + millis(250));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 504);
  EXPECT_EQ(bodyOf(**res)["error"]["code"], "upstream_timeout");
  EXPECT_EQ(recorder.ends, (std::vector<TimePoint>{t0 + millis(250)}));
  EXPECT_EQ(recorder.outcomes, (std::vector<std::string>{"upstream_timeout"}));
  EXPECT_EQ(h.gateway.inFlight(), 0u);
  EXPECT_EQ(h.instanceInFlight(0, 0), 0);  // released at the deadline, not when the transport wakes up

  // The transport reports much later: ignored, and the counter does not go negative.
  h.clock.advance(seconds(10));
  h.transport.respond(200, "too late");
  EXPECT_EQ((*res)->status, 504);
  EXPECT_EQ(h.answered, 1u);
  EXPECT_EQ(recorder.outcomes.size(), 1u);
  EXPECT_EQ(h.instanceInFlight(0, 0), 0);
  EXPECT_EQ(h.gateway.inFlight(), 0u);
}

TEST_F(GatewayTest, TransportTimeoutBeforeDeadlineCancelsTimer) {
  auto res = h.start(makeRequest("GET", "/api/users/9"));
  h.clock.advance(millis(100));
  h.transport.fail(UpstreamOutcome::kTimeout);
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 504);
  EXPECT_EQ(h.scheduler.pending(), 0u);
  h.scheduler.runAll();
  EXPECT_EQ(h.answered, 1u);
}

TEST_F(GatewayTest, TransportThatAnswersAtTheDeadlineGetsNoGatewayTimer) {
  // The simulated transport declares that it reports kTimeout at the deadline itself: the
  // gateway then schedules nothing per try, and the transport's timeout is the 504.
  h.transport.answersAtDeadline = true;
  Recorder recorder;
  h.gateway.setObserver(&recorder);
  auto res = h.start(makeRequest("GET", "/api/users/9"));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.transport.sends.front().deadline, t0 + millis(250));
  EXPECT_EQ(h.scheduler.pending(), 0u);
  EXPECT_EQ(h.instanceInFlight(0, 0), 1);

  h.clock.set(t0 + millis(250));
  h.transport.fail(UpstreamOutcome::kTimeout);
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 504);
  EXPECT_EQ(recorder.ends, (std::vector<TimePoint>{t0 + millis(250)}));
  EXPECT_EQ(recorder.outcomes, (std::vector<std::string>{"upstream_timeout"}));
  EXPECT_EQ(h.instanceInFlight(0, 0), 0);
  EXPECT_EQ(h.gateway.inFlight(), 0u);
}

TEST_F(GatewayTest, ClientAddressHashIgnoresThePort) {
  auto instanceFor = [&](const std::string& client) {
    h.start(makeRequest("GET", "/sticky/x", {}, client));
    const std::string id(h.transport.sends.front().endpoint.instance);
    h.transport.respond(200);
    return id;
  };
  std::set<std::string> used;
  for (int i = 1; i <= 40; ++i) {
    const std::string v4 = "198.51.100." + std::to_string(i);
    const std::string v6 = "2001:db8::" + std::to_string(i);
    const std::string a = instanceFor(v4 + ":40000");
    EXPECT_EQ(instanceFor(v4 + ":40001"), a) << v4;
    EXPECT_EQ(instanceFor(v4), a) << v4;
    const std::string b = instanceFor("[" + v6 + "]:40000");
    EXPECT_EQ(instanceFor("[" + v6 + "]:51234"), b) << v6;
    EXPECT_EQ(instanceFor(v6), b) << v6;
    used.insert(a);
    used.insert(b);
  }
  EXPECT_EQ(used.size(), 4u);  // and the clients do spread
}

TEST_F(GatewayTest, HeaderHashIsStickyPerUser) {
  std::map<std::string, std::string> owner;
  for (int round = 0; round < 3; ++round) {
    for (int u = 0; u < 30; ++u) {
      const std::string user = "user-" + std::to_string(u);
      h.start(makeRequest("GET", "/by-user/cart", {{"x-user", user}}, "192.0.2." + std::to_string(round + 1) + ":1"));
      const std::string id(h.transport.sends.front().endpoint.instance);
      h.transport.respond(200);
      if (round == 0) owner[user] = id;
      else EXPECT_EQ(owner[user], id) << user;
    }
  }
}

// A balancer with every instance ejected.
struct NothingAvailable : LoadBalancer {
  std::optional<std::size_t> pick(const PickContext&, Random&) override { return std::nullopt; }
};

TEST_F(GatewayTest, NoAvailableInstanceAnswers503) {
  h.shared.runtime()->service(1).balancer = std::make_unique<NothingAvailable>();  // "orders"
  auto res = h.start(makeRequest("GET", "/api/orders/1"));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 503);
  EXPECT_EQ(bodyOf(**res)["error"]["code"], "no_healthy_upstream");
  EXPECT_EQ(bodyOf(**res)["error"]["message"], "service \"orders\" has no available instance");
  EXPECT_EQ(h.transport.total, 0u);
  EXPECT_EQ(h.scheduler.pending(), 0u);
  EXPECT_EQ(h.gateway.inFlight(), 0u);
}

TEST(GatewayNoInstanceTest, ServiceWithoutInstancesAnswers503) {
  // Not loadable from a file (the loader refuses it), but a runtime must not crash on it.
  auto config = std::make_shared<Config>();
  ServiceConfig empty;
  empty.name = "empty";
  config->services.push_back(empty);
  RouteConfig route;
  route.name = "r";
  route.pathType = PathMatchType::kPrefix;
  route.path = "/";
  route.backends.push_back({"empty", 1});
  config->routes.push_back(route);
  GatewayHarness h(config);
  auto res = h.start(makeRequest("GET", "/x"));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 503);
}

std::map<std::string, double> splitShares(GatewayHarness& h, const std::string& path, int requests) {
  std::map<std::string, int> counts;
  for (int i = 0; i < requests; ++i) {
    h.start(makeRequest("GET", path));
    EXPECT_EQ(h.transport.sends.size(), 1u);
    ++counts[std::string(h.transport.sends.front().endpoint.service)];
    h.transport.respond(200);
    h.scheduler.nextTime();  // drops the cancelled deadline timer
  }
  std::map<std::string, double> out;
  for (const auto& [service, n] : counts) out[service] = static_cast<double>(n) / requests;
  return out;
}

TEST(GatewaySplitTest, NinetyTenSplit) {
  GatewayHarness h(gatewayConfig(), 2024);
  const auto got = splitShares(h, "/canary", 100000);
  ASSERT_EQ(got.size(), 2u);
  // Issue #2 asks for 2% (absolute); with 100k picks one standard deviation is 0.1%.
  EXPECT_NEAR(got.at("stable"), 0.90, 0.005);
  EXPECT_NEAR(got.at("canary"), 0.10, 0.005);
  EXPECT_EQ(h.answered, 100000u);
  EXPECT_EQ(h.gateway.inFlight(), 0u);
}

TEST(GatewaySplitTest, ThreeWaySplit) {
  GatewayHarness h(gatewayConfig(), 7);
  const auto got = splitShares(h, "/three", 100000);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NEAR(got.at("blue"), 0.50, 0.005);
  EXPECT_NEAR(got.at("green"), 0.30, 0.005);
  EXPECT_NEAR(got.at("red"), 0.20, 0.005);
}

TEST(GatewaySplitTest, SameSeedSameChoices) {
  auto sequence = [](std::uint64_t seed) {
    GatewayHarness h(gatewayConfig(), seed);
    std::string out;
    for (int i = 0; i < 200; ++i) {
      h.start(makeRequest("GET", "/three"));
      out += h.transport.sends.front().endpoint.service[0];
      h.transport.respond(200);
    }
    return out;
  };
  EXPECT_EQ(sequence(5), sequence(5));
  EXPECT_NE(sequence(5), sequence(6));
}

TEST_F(GatewayTest, ReloadAppliesToNewRequestsWhileOldOnesFinish) {
  auto old = h.start(makeRequest("GET", "/api/orders/1"));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  h.gateway.reload(testing::mustParse(R"({
    "services": [{"name": "v2", "instances": ["10.9.0.1:80"]}],
    "routes": [{"name": "all", "match": {"prefix": "/"}, "service": "v2"}]
  })"));
  auto fresh = h.start(makeRequest("GET", "/api/orders/1"));
  ASSERT_EQ(h.transport.sends.size(), 2u);
  EXPECT_EQ(h.transport.sends[0].endpoint.service, "orders");
  EXPECT_EQ(h.transport.sends[1].endpoint.service, "v2");
  EXPECT_EQ(h.transport.sends[1].request.target, "/api/orders/1");
  h.transport.respond(200, "old");
  h.transport.respond(200, "new");
  EXPECT_EQ((*old)->body, "old");
  EXPECT_EQ((*fresh)->body, "new");
}

}  // namespace
}  // namespace gateway
