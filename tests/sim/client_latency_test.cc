// The scenario's client_latency_ms: the hop between the clients and the gateway, each way.
// The clients see it (their groups' latencies, their retries' timing); the gateway's own view
// (the routes' latencies, what it admits) does not change.
#include <gtest/gtest.h>

#include "tests/sim/sim_test_support.h"

namespace gwsim {
namespace {

// One service answering in exactly 5 ms; a client group at 20/s for 10 s, and a second group
// whose route allows 2 requests a second, so most of its requests get the gateway's own 429.
nlohmann::json clientLatencyDoc(double clientLatencyMs) {
  nlohmann::json g = testing::oneServiceGateway();
  g["routes"].push_back({{"name", "limited"}, {"match", {{"prefix", "/limited"}}}, {"service", "svc"},
                         {"rate_limit", {{"policies", {"two"}}}}});
  g["rate_limits"] = {{"policies", {{"two", {{"algorithm", "fixed_window"}, {"limit", 2}, {"window_ms", 1000}, {"key", "route"}}}}}};
  nlohmann::json doc = {
      {"name", "client-latency"},
      {"seed", 5},
      {"duration_s", 10},
      {"gateway", g},
      {"services", {{"svc", {{"model", {{"workers", 8}, {"latency", {{"kind", "constant"}, {"ms", 5}}}}}}}}},
      {"clients", {{{"name", "plain"}, {"arrival", {{"process", "constant"}, {"rate", 20}}}, {"requests", {{{"path", "/x"}}}}},
                   {{"name", "limited"}, {"arrival", {{"process", "constant"}, {"rate", 20}}},
                    {"requests", {{{"path", "/limited"}}}}}}}};
  if (clientLatencyMs > 0) doc["client_latency_ms"] = clientLatencyMs;
  return doc;
}

double ms(std::int64_t us) { return static_cast<double>(us) / 1000.0; }

TEST(ClientLatency, TheClientsSeeBothHopsAndTheGatewaySeesNeither) {
  const RunResult direct = testing::runQuiet(testing::mustLoad(clientLatencyDoc(0)));
  const RunResult far = testing::runQuiet(testing::mustLoad(clientLatencyDoc(2)));

  // Served: 5 ms at the gateway either way; 5 ms for the clients, then 5 + 2 x 2 ms.
  EXPECT_NEAR(ms(direct.groups.at("plain").latency.quantile(0.5)), 5.0, 0.05);
  EXPECT_NEAR(ms(far.groups.at("plain").latency.quantile(0.5)), 9.0, 0.05);
  EXPECT_NEAR(ms(far.routes.at("all").latency.quantile(0.5)), 5.0, 0.05);
  EXPECT_NEAR(ms(far.routes.at("all").latency.max()), 5.0, 0.05);

  // The gateway's own 429: no time at the gateway, a round trip for the client.
  const StatusCounts& limited = far.groups.at("limited").statuses;
  EXPECT_GT(limited.code(429), limited.code(200));
  EXPECT_EQ(direct.groups.at("limited").latency.quantile(0.5), 0);
  EXPECT_NEAR(ms(far.groups.at("limited").latency.quantile(0.5)), 4.0, 0.05);
  EXPECT_EQ(far.routes.at("limited").latency.quantile(0.5), 0);

  // What the gateway decided is the same: every request arrives, the same number are served
  // (each second's window sees the same arrivals, 2 ms later).
  EXPECT_EQ(far.gatewayRequests, direct.gatewayRequests);
  EXPECT_EQ(far.total.statuses.code(429), direct.total.statuses.code(429));
  EXPECT_EQ(far.total.statuses.code(200), direct.total.statuses.code(200));
  EXPECT_NE(far.traceHash, direct.traceHash);
}

TEST(ClientLatency, ARetryLeavesAfterItsAnswerArrives) {
  // Every try fails with 503 after 1 ms of work; one retry with no backoff is sent when the
  // answer reaches the client, so the call takes two round trips and two services: 2 x 7 ms.
  nlohmann::json doc = clientLatencyDoc(3);
  doc["services"]["svc"]["model"]["error_rate"] = 1.0;
  doc["services"]["svc"]["model"]["error_status"] = 503;
  doc["services"]["svc"]["model"]["latency"] = {{"kind", "constant"}, {"ms", 1}};
  doc["clients"] = {{{"name", "plain"}, {"arrival", {{"process", "constant"}, {"rate", 5}}},
                     {"retry", {{"max", 1}, {"on", {503}}, {"backoff_ms", 0}}},
                     {"requests", {{{"path", "/x"}}}}}};
  const RunResult r = testing::runQuiet(testing::mustLoad(doc));
  EXPECT_EQ(r.retries, r.clientRequests);
  EXPECT_EQ(r.groups.at("plain").statuses.code(503), r.clientRequests);
  EXPECT_NEAR(ms(r.groups.at("plain").latency.quantile(0.5)), 14.0, 0.05);
}

TEST(ClientLatency, OutOfRangeIsAnErrorWithItsPath) {
  nlohmann::json doc = clientLatencyDoc(0);
  doc["client_latency_ms"] = -1;
  auto load = loadScenarioJson(doc, ".");
  ASSERT_FALSE(load.ok());
  EXPECT_NE(load.errors.text().find("/client_latency_ms"), std::string::npos) << load.errors.text();
}

}  // namespace
}  // namespace gwsim
