// TopologyModel fed literal requests and snapshots (shapes as gwsim --policy-state writes
// them): routes with their stages, edges' rates and error shares over the last simulated
// second (from the records' own times), aggregation parts' traffic from the snapshot's
// counters, breaker states, ejected instances and in-flight counts; and determinism: the
// same feed gives the same digest, a different one another.
#include <gtest/gtest.h>

#include "libgateway/config/config_loader.h"
#include "sim/scenario/scenario.h"
#include "tools/gwdash/model/topology_model.h"

namespace gwdash {
namespace {

using nlohmann::json;

std::shared_ptr<const gateway::Config> topologyConfig() {
  const json doc = json::parse(R"({
    "services": [
      {"name": "catalog", "instances": [{"id": "catalog-1", "address": "127.0.0.1:9101"}]},
      {"name": "payments", "instances": [{"id": "payments-1", "address": "127.0.0.1:9401"},
                                         {"id": "payments-2", "address": "127.0.0.1:9402"}],
       "circuit_breaker": {"mode": "failure_rate", "window_size": 20, "minimum_calls": 10, "open_ms": 5000,
                           "half_open_calls": 3},
       "outlier_detection": {"consecutive_5xx": 3, "max_ejection_percent": 50}},
      {"name": "users", "instances": [{"id": "users-1", "address": "127.0.0.1:9221"}]}],
    "routes": [
      {"name": "products", "match": {"prefix": "/api/products"}, "service": "catalog",
       "cache": {"ttl_s": 5}},
      {"name": "pay", "match": {"prefix": "/api/pay"}, "service": "payments",
       "auth": {"methods": ["api_key"]}},
      {"name": "dash", "match": {"template": "/api/dash/{id}", "methods": ["GET"]},
       "aggregate": {"parts": [{"name": "user", "service": "users", "path": "/users/{id}", "merge": true},
                               {"name": "pay", "service": "payments", "path": "/payments?user={id}", "group": "pay"}]}}],
    "consumers": [{"id": "shop", "api_keys": ["shop-key-0001"]}]
  })");
  const gateway::ConfigLoad load = gateway::loadConfigJson(doc);
  EXPECT_TRUE(load.ok()) << load.errors.text();
  return load.config;
}

RequestRecord topologyRecord(gateway::TimePoint endMs, const std::string& route, const std::string& service,
                             const std::string& instance, int status, int latencyMs = 10) {
  RequestRecord r;
  r.end = gateway::millis(endMs);
  r.start = r.end - gateway::millis(latencyMs);
  r.route = route;
  r.service = service;
  r.instance = instance;
  r.tries = service.empty() ? 0 : 1;
  r.status = status;
  r.outcome = status >= 500 ? "upstream_error" : "upstream";
  return r;
}

// A snapshot as the policy report writes it: payments' breaker open, payments-2 ejected.
json topologySnapshot(gateway::TimePoint nowMs, std::uint64_t partCalls, std::uint64_t partFailures) {
  return {{"now_us", gateway::millis(nowMs)},
          {"circuit_breakers",
           {{"payments", {{"state", "open"}, {"calls", 20}, {"failures", 10}, {"transitions", 1}, {"history", json::array()}}}}},
          {"outlier_detection",
           {{"payments",
             {{"ejected", 1},
              {"instances",
               {{"payments-1", {{"ejected", false}, {"times_ejected", 0}}},
                {"payments-2", {{"ejected", true}, {"ejected_until_us", 40000000}, {"times_ejected", 2}}}}}}}}},
          {"upstream_instances",
           {{"catalog", {{"catalog-1", {{"address", "127.0.0.1:9101"}, {"in_flight", 4}}}}},
            {"payments", {{"payments-1", {{"address", "127.0.0.1:9401"}, {"in_flight", 1}}},
                          {"payments-2", {{"address", "127.0.0.1:9402"}, {"in_flight", 0}}}}}}},
          {"aggregate",
           {{"routes",
             {{"dash",
               {{"complete", partCalls}, {"partial", 0}, {"failed", 0},
                {"parts",
                 {{"user", {{"ok", partCalls}, {"5xx", 0}, {"timeout", 0}, {"calls", partCalls}, {"latency_ms_sum", 1.5 * partCalls}}},
                  {"pay", {{"ok", partCalls - partFailures}, {"5xx", partFailures}, {"timeout", 0}, {"calls", partCalls},
                           {"latency_ms_sum", 3.0 * partCalls}}}}}}}}}}}};
}

class TopologyModelTest : public ::testing::Test {
 protected:
  TopologyModelTest() {
    context.config = topologyConfig();
    context.scenario = &scenario;  // a simulated run: its counters start at zero
  }
  gwsim::Scenario scenario;
  DashboardContext context;
};

TEST_F(TopologyModelTest, RoutesServicesAndStagesComeFromTheConfig) {
  TopologyModel m;
  m.reset(context);
  ASSERT_EQ(m.routes().size(), 3u);
  EXPECT_EQ(m.routes()[0].stages, std::vector<std::string>({"cache"}));
  EXPECT_EQ(m.routes()[1].stages, std::vector<std::string>({"auth"}));
  EXPECT_EQ(m.routes()[2].stages, std::vector<std::string>({"aggregate"}));
  EXPECT_TRUE(m.routes()[2].aggregate);
  EXPECT_EQ(m.routes()[2].services, std::vector<std::size_t>({2, 1}));  // users, payments
  ASSERT_EQ(m.services().size(), 3u);
  EXPECT_EQ(m.services()[1].breakerState, "closed");
  EXPECT_TRUE(m.services()[1].hasOutlierDetection);
  EXPECT_EQ(m.services()[1].instances.size(), 2u);
  EXPECT_EQ(m.edges().size(), 4u);  // products->catalog, pay->payments, dash->users, dash->payments
}

TEST_F(TopologyModelTest, RatesAndErrorSharesOverTheLastSimulatedSecond) {
  TopologyModel m;
  m.reset(context);
  // An old request (more than a second before the snapshot) counts for latency, not for rate.
  m.onRequest(topologyRecord(500, "products", "catalog", "catalog-1", 200, 100));
  for (int i = 0; i < 8; ++i) m.onRequest(topologyRecord(1100 + 100 * i, "products", "catalog", "catalog-1", 200, 20));
  m.onRequest(topologyRecord(1500, "pay", "payments", "payments-1", 200));
  m.onRequest(topologyRecord(1600, "pay", "payments", "payments-1", 503));
  m.onRequest(topologyRecord(1700, "pay", "payments", "payments-2", 502));
  m.onRequest(topologyRecord(1800, "pay", "payments", "payments-1", 200));
  m.onRequest(topologyRecord(1900, "", "", "", 404));
  m.onRequest(topologyRecord(2300, "pay", "payments", "payments-1", 500));  // after the snapshot: not yet
  m.onSnapshot(gateway::millis(2000), topologySnapshot(2000, 0, 0));

  EXPECT_EQ(m.gateway().requests, 13u);  // 8 + 4 + the 404 (the 500 ms one is too old)
  EXPECT_DOUBLE_EQ(m.gateway().rate, 13.0);
  EXPECT_EQ(m.unrouted().requests, 1u);
  const TopologyRoute* pay = m.findRoute("pay");
  ASSERT_NE(pay, nullptr);
  EXPECT_EQ(pay->flow.requests, 4u);
  EXPECT_DOUBLE_EQ(pay->flow.errorShare(), 0.5);
  const TopologyService* catalog = m.findService("catalog");
  ASSERT_NE(catalog, nullptr);
  EXPECT_DOUBLE_EQ(catalog->flow.rate, 8.0);
  EXPECT_DOUBLE_EQ(catalog->p50Ms, 20.0);
  EXPECT_DOUBLE_EQ(catalog->p99Ms, 100.0);  // the older request is in the 10 s latency window
  EXPECT_EQ(catalog->instances[0].inFlight, 4);
  const TopologyService* payments = m.findService("payments");
  ASSERT_NE(payments, nullptr);
  EXPECT_EQ(payments->breakerState, "open");
  EXPECT_EQ(payments->instances[0].flow.requests, 3u);
  EXPECT_EQ(payments->instances[0].flow.errors, 1u);
  EXPECT_EQ(payments->instances[1].flow.errors, 1u);
  EXPECT_FALSE(payments->instances[0].ejected);
  EXPECT_TRUE(payments->instances[1].ejected);
  EXPECT_EQ(payments->instances[1].timesEjected, 2u);

  // A second later, only what ended in (2 s, 3 s] counts.
  m.onSnapshot(gateway::millis(3000), topologySnapshot(3000, 0, 0));
  EXPECT_EQ(m.gateway().requests, 1u);
  EXPECT_EQ(m.findRoute("pay")->flow.errors, 1u);
  EXPECT_DOUBLE_EQ(m.findService("catalog")->flow.rate, 0.0);
  // Per-second history, keyed by the records' seconds.
  const auto* second1 = m.gatewaySeconds().find(1);
  ASSERT_NE(second1, nullptr);
  EXPECT_EQ(second1->requests, 13u);
  EXPECT_EQ(second1->errors, 2u);
}

TEST_F(TopologyModelTest, CircuitOpenAnswersAreTheCircuitsTrafficButNoInstancesOne) {
  TopologyModel m;
  m.reset(context);
  RequestRecord open = topologyRecord(1500, "pay", "", "", 503, 0);  // as gwsim's trace has it
  open.outcome = "circuit_open";
  m.onRequest(open);
  RequestRecord fromCore = topologyRecord(1600, "pay", "payments", "payments-1", 503, 0);  // service set, no try
  fromCore.outcome = "circuit_open";
  fromCore.circuitOpen = true;
  fromCore.tries = 0;
  m.onRequest(fromCore);
  m.onSnapshot(gateway::millis(2000), topologySnapshot(2000, 0, 0));
  const TopologyService* payments = m.findService("payments");
  EXPECT_EQ(payments->flow.requests, 2u);
  EXPECT_DOUBLE_EQ(payments->flow.errorShare(), 1.0);
  EXPECT_EQ(payments->instances[0].flow.requests, 0u);
  EXPECT_DOUBLE_EQ(payments->p99Ms, 0.0);  // nothing reached it
}

TEST_F(TopologyModelTest, AggregationPartsTrafficComesFromTheSnapshotCounters) {
  TopologyModel m;
  m.reset(context);
  for (int t = 1; t <= 20; ++t) m.onSnapshot(gateway::millis(100 * t), topologySnapshot(100 * t, 30 * t, 3 * t));
  // 2.0 s: the counters grew by 300 calls (30 failed) over the last second.
  const TopologyService* users = m.findService("users");
  ASSERT_NE(users, nullptr);
  EXPECT_DOUBLE_EQ(users->flow.rate, 300.0);
  EXPECT_EQ(users->flow.errors, 0u);
  const TopologyService* payments = m.findService("payments");
  EXPECT_EQ(payments->flow.requests, 300u);
  EXPECT_DOUBLE_EQ(payments->flow.errorShare(), 0.1);
  EXPECT_DOUBLE_EQ(users->partMeanMs, 1.5);  // the parts' latency_ms_sum grew 1.5 ms per call
  EXPECT_DOUBLE_EQ(payments->partMeanMs, 3.0);
}

TEST_F(TopologyModelTest, AConfigChangeKeepsTheRecentRequests) {
  TopologyModel m;
  m.reset(context);
  for (int i = 0; i < 5; ++i) m.onRequest(topologyRecord(1100 + 100 * i, "products", "catalog", "catalog-1", 200));
  m.onSnapshot(gateway::millis(1600), topologySnapshot(1600, 0, 0));
  // The same routes behind a new first service: indices move, names stay.
  json doc = json::parse(R"({
    "services": [{"name": "search", "instances": [{"id": "search-1", "address": "127.0.0.1:9001"}]},
                 {"name": "catalog", "instances": [{"id": "catalog-1", "address": "127.0.0.1:9101"}]}],
    "routes": [{"name": "find", "match": {"prefix": "/find"}, "service": "search"},
               {"name": "products", "match": {"prefix": "/api/products"}, "service": "catalog"}]
  })");
  const gateway::ConfigLoad load = gateway::loadConfigJson(doc);
  ASSERT_TRUE(load.ok()) << load.errors.text();
  DashboardContext changed = context;
  changed.config = load.config;
  m.onConfig(changed);
  ASSERT_EQ(m.services().size(), 2u);
  EXPECT_EQ(m.findService("catalog")->flow.requests, 5u);
  EXPECT_EQ(m.findService("catalog")->instances[0].flow.requests, 5u);
  EXPECT_EQ(m.findRoute("products")->flow.requests, 5u);
  EXPECT_EQ(m.findService("search")->flow.requests, 0u);
  EXPECT_EQ(m.findRoute("find")->stages, std::vector<std::string>());
}

TEST_F(TopologyModelTest, SameFeedSameDigest) {
  auto feed = [&](TopologyModel& m, int failing) {
    m.reset(context);
    for (int t = 1; t <= 30; ++t) {
      m.onRequest(topologyRecord(100 * t - 50, "pay", "payments", "payments-1", t % 7 == 0 ? failing : 200));
      m.onSnapshot(gateway::millis(100 * t), topologySnapshot(100 * t, t, 0));
    }
  };
  TopologyModel a, b, c;
  feed(a, 503);
  feed(b, 503);
  feed(c, 200);
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_NE(a.digest(), c.digest());
  // reset() forgets the run.
  TopologyModel fresh;
  fresh.reset(context);
  a.reset(context);
  EXPECT_EQ(a.digest(), fresh.digest());
}

}  // namespace
}  // namespace gwdash
