// RequestRecord from a real gateway: recordOf() on the Exchanges a Gateway (standard stages,
// manual clock, fake transport) completes — served, failing and opening the breaker, rate
// limited, answered by the open breaker, unrouted — and the JSON round trip of each.
#include <gtest/gtest.h>

#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/pipeline/exchange.h"
#include "libgateway/pipeline/stage_list.h"
#include "tests/unit/test_support.h"
#include "tools/gwdash/model/request_journey.h"
#include "tools/gwdash/model/request_record.h"

namespace gwdash {
namespace {

struct RequestRecordObserver : gateway::ExchangeObserver {
  void onComplete(const gateway::Exchange& exchange, const gateway::Response& response) override {
    records.push_back(recordOf(exchange, response, records.size() + 1));
  }
  std::vector<RequestRecord> records;
};

std::shared_ptr<const gateway::Config> recordTestConfig() {
  return gateway::testing::mustLoad(nlohmann::json::parse(R"({
    "services": [{"name": "pay", "instances": [{"id": "pay-1", "address": "10.0.0.1:80"}], "timeout_ms": 1000,
                  "circuit_breaker": {"mode": "consecutive", "max_errors": 0, "open_ms": 10000}}],
    "routes": [{"name": "api", "match": {"prefix": "/api"}, "service": "pay", "rate_limit": {"per_consumer": true}}],
    "consumers": [{"id": "alice", "tier": "free", "api_keys": ["alice-key-0001"]}],
    "rate_limits": {"tiers": {"free": {"algorithm": "token_bucket", "rate": 1, "burst": 2}}}
  })"));
}

class RequestRecordTest : public ::testing::Test {
 protected:
  RequestRecordTest() : harness(recordTestConfig()) {
    gateway::installStandardStages(harness.gateway, harness.shared, harness.env);
    harness.gateway.setObserver(&observer);
  }
  std::shared_ptr<std::optional<gateway::Response>> send(const std::string& target) {
    gateway::Headers headers;
    headers.set("X-API-Key", "alice-key-0001");
    return harness.start(gateway::testing::makeRequest("GET", target, headers));
  }
  gateway::testing::GatewayHarness harness;
  RequestRecordObserver observer;
};

void expectRecordRoundTrip(const RequestRecord& r) {
  const RequestRecord back = RequestRecord::fromJson(nlohmann::json::parse(r.toJson().dump()));
  EXPECT_EQ(back.toJson(), r.toJson());
  EXPECT_EQ(back.id, r.id);
  EXPECT_EQ(back.correlationId, r.correlationId);
  EXPECT_EQ(back.start, r.start);
  EXPECT_EQ(back.end, r.end);
  EXPECT_EQ(back.limiter, r.limiter);
  EXPECT_EQ(back.instance, r.instance);
  EXPECT_EQ(back.tries, r.tries);
  EXPECT_EQ(back.upstream, r.upstream);
  EXPECT_EQ(back.circuitOpen, r.circuitOpen);
  EXPECT_EQ(back.breakerTransition, r.breakerTransition);
  EXPECT_EQ(back.outcome, r.outcome);
  EXPECT_EQ(back.status, r.status);
  EXPECT_EQ(journeyText(back), journeyText(r));
}

TEST_F(RequestRecordTest, RecordsTellWhatTheGatewayDid) {
  const gateway::TimePoint t0 = harness.clock.now();
  // 1: served after 12 ms.
  auto served = send("/api/1");
  harness.clock.advance(gateway::millis(12));
  harness.transport.respond(200, "ok");
  ASSERT_TRUE(served->has_value());
  // 2: the connection fails; with max_errors 0 that one failure opens the breaker.
  send("/api/2");
  harness.transport.fail(gateway::UpstreamOutcome::kConnectError, "refused");
  // 3: the token bucket (burst 2) is empty.
  send("/api/3");
  // 4: two seconds later a token is back, but the breaker is open.
  harness.clock.advance(gateway::seconds(2));
  send("/api/4");
  // 5: no route.
  send("/elsewhere");

  const auto& records = observer.records;
  ASSERT_EQ(records.size(), 5u);
  const RequestRecord& ok = records[0];
  EXPECT_EQ(ok.id, 1u);
  EXPECT_TRUE(gateway::testing::isUuidV4(ok.correlationId)) << ok.correlationId;
  EXPECT_EQ(ok.start, t0);
  EXPECT_EQ(ok.end, t0 + gateway::millis(12));
  EXPECT_EQ(ok.latency(), gateway::millis(12));
  EXPECT_EQ(ok.method, "GET");
  EXPECT_EQ(ok.target, "/api/1");
  EXPECT_EQ(ok.client, "192.0.2.10:51000");
  EXPECT_EQ(ok.route, "api");
  EXPECT_EQ(ok.consumer, "alice");
  EXPECT_EQ(ok.tier, "free");
  EXPECT_EQ(ok.auth, "api_key");
  EXPECT_EQ(ok.limiter, "allow:free r=1");
  EXPECT_EQ(ok.service, "pay");
  EXPECT_EQ(ok.instance, "pay-1");
  EXPECT_EQ(ok.tries, 1u);
  EXPECT_EQ(ok.upstream, gateway::millis(12));
  EXPECT_FALSE(ok.circuitOpen);
  EXPECT_EQ(ok.breakerTransition, "");
  EXPECT_EQ(ok.outcome, "upstream");
  EXPECT_EQ(ok.status, 200);

  const RequestRecord& failed = records[1];
  EXPECT_EQ(failed.outcome, "upstream_connect_error");
  EXPECT_EQ(failed.status, 502);
  EXPECT_EQ(failed.tries, 1u);
  EXPECT_EQ(failed.breakerTransition.rfind("closed->open: ", 0), 0u) << failed.breakerTransition;

  const RequestRecord& limited = records[2];
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.outcome, "rate_limited");
  EXPECT_EQ(limited.limiter.rfind("deny:free retry=", 0), 0u) << limited.limiter;
  EXPECT_EQ(limited.tries, 0u);

  const RequestRecord& open = records[3];
  EXPECT_EQ(open.status, 503);
  EXPECT_EQ(open.outcome, "circuit_open");
  EXPECT_TRUE(open.circuitOpen);
  EXPECT_EQ(open.start, t0 + gateway::millis(2012));
  EXPECT_EQ(journeyOf(open)[5].verdict, "open");

  const RequestRecord& unrouted = records[4];
  EXPECT_EQ(unrouted.status, 404);
  EXPECT_EQ(unrouted.outcome, "no_route");
  EXPECT_EQ(unrouted.route, "");
  EXPECT_EQ(unrouted.service, "");
  EXPECT_EQ(unrouted.id, 5u);

  for (const RequestRecord& r : records) expectRecordRoundTrip(r);
}

TEST(RequestRecordJson, MissingOrMistypedFieldsKeepTheirDefaults) {
  const RequestRecord r = RequestRecord::fromJson({{"id", 7}, {"status", "not a number"}, {"route", 5}, {"outcome", "upstream"}});
  EXPECT_EQ(r.id, 7u);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.route, "");
  EXPECT_EQ(r.outcome, "upstream");
  EXPECT_EQ(RequestRecord::fromJson(nlohmann::json::array()).toJson(), RequestRecord{}.toJson());
}

}  // namespace
}  // namespace gwdash
