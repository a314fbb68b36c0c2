// The topology and breaker models fed the real policy report (gateway::policySnapshot of a
// SharedState whose breaker and outlier detector were driven on a manual timeline), so the
// field names the models read are the ones the gateway writes.
#include <gtest/gtest.h>

#include "libgateway/config/config_loader.h"
#include "libgateway/pipeline/policy_report.h"
#include "libgateway/pipeline/shared_state.h"
#include "tools/gwdash/model/breaker_model.h"
#include "tools/gwdash/model/topology_model.h"

namespace gwdash {
namespace {

using nlohmann::json;

std::shared_ptr<const gateway::Config> reportTestConfig() {
  const json doc = json::parse(R"({
    "services": [
      {"name": "payments", "instances": [{"id": "payments-1", "address": "127.0.0.1:9401"}],
       "circuit_breaker": {"mode": "failure_rate", "window_size": 10, "minimum_calls": 4,
                           "failure_rate_threshold": 50, "open_ms": 1000, "half_open_calls": 2}},
      {"name": "catalog", "instances": [{"id": "catalog-1", "address": "127.0.0.1:9101"},
                                        {"id": "catalog-2", "address": "127.0.0.1:9102"}],
       "outlier_detection": {"consecutive_5xx": 2, "base_ejection_ms": 30000, "max_ejection_percent": 50}}],
    "routes": [{"name": "pay", "match": {"prefix": "/pay"}, "service": "payments"},
               {"name": "browse", "match": {"prefix": "/"}, "service": "catalog"}]
  })");
  const gateway::ConfigLoad load = gateway::loadConfigJson(doc);
  EXPECT_TRUE(load.ok()) << load.errors.text();
  return load.config;
}

class PolicyModelsReportTest : public ::testing::Test {
 protected:
  PolicyModelsReportTest() : shared(reportTestConfig()) { context.config = shared.runtime()->configPtr(); }

  const gateway::ServiceRuntime& service(const std::string& name) {
    const auto runtime = shared.runtime();
    for (std::size_t i = 0; i < runtime->serviceCount(); ++i) {
      if (runtime->service(i).config->name == name) return runtime->service(i);
    }
    throw std::runtime_error("no service " + name);
  }
  void call(bool failure) {
    gateway::CircuitBreaker& b = *service("payments").breaker;
    const gateway::BreakerPermit p = b.tryAcquire(now);
    ASSERT_TRUE(p.admitted);
    b.onResult(p, failure, gateway::millis(5), now);
  }
  void snapshot() {
    const json s = gateway::policySnapshot(shared, now);
    breakers.onSnapshot(now, s);
    topology.onSnapshot(now, s);
  }

  gateway::TimePoint now = gateway::seconds(1);
  gateway::SharedState shared;
  DashboardContext context;
  BreakerModel breakers;
  TopologyModel topology;
};

TEST_F(PolicyModelsReportTest, BreakerOpensAndTheModelsSeeItWithItsReason) {
  breakers.reset(context);
  topology.reset(context);
  call(false);
  call(true);
  snapshot();
  now += gateway::millis(100);
  call(true);
  call(true);  // 3 of 4 failed: 75% >= 50% over the minimum of 4 calls
  snapshot();

  const BreakerView* p = breakers.find("payments");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->mode, "failure_rate");
  EXPECT_DOUBLE_EQ(p->threshold(), 50.0);
  ASSERT_EQ(p->samples.samples().size(), 2u);
  EXPECT_DOUBLE_EQ(*p->samples.samples()[0].value.failureRate, 50.0);
  EXPECT_EQ(p->samples.samples()[0].value.state, "closed");
  EXPECT_DOUBLE_EQ(*p->samples.samples()[1].value.failureRate, 75.0);
  EXPECT_EQ(p->state, "open");
  ASSERT_EQ(p->history.size(), 1u);
  EXPECT_EQ(p->history[0].from, "closed");
  EXPECT_EQ(p->history[0].at, now);
  EXPECT_EQ(p->history[0].reason, "failure rate 75.0% >= 50% over 4 calls");
  ASSERT_TRUE(p->openUntil.has_value());
  EXPECT_EQ(*p->openUntil, now + gateway::seconds(1));
  EXPECT_EQ(topology.findService("payments")->breakerState, "open");

  // Open time up: the next call is a trial, and the breaker is half-open.
  now += gateway::millis(1000);
  ASSERT_TRUE(service("payments").breaker->tryAcquire(now).trial);
  snapshot();
  EXPECT_EQ(breakers.find("payments")->state, "half_open");
  ASSERT_EQ(breakers.find("payments")->history.size(), 2u);
  EXPECT_EQ(breakers.find("payments")->history[1].to, "half_open");
  EXPECT_EQ(topology.findService("payments")->breakerState, "half_open");
}

TEST_F(PolicyModelsReportTest, EjectedInstanceAndInFlightReachTheTopology) {
  topology.reset(context);
  gateway::OutlierDetector& d = *service("catalog").outliers;
  d.onResult(1, gateway::CallHealth::kServerError, now);
  d.onResult(1, gateway::CallHealth::kServerError, now);
  for (int i = 0; i < 3; ++i) service("catalog").inFlight->increment(0);
  snapshot();
  const TopologyService* catalog = topology.findService("catalog");
  ASSERT_NE(catalog, nullptr);
  EXPECT_FALSE(catalog->instances[0].ejected);
  EXPECT_EQ(catalog->instances[0].inFlight, 3);
  EXPECT_TRUE(catalog->instances[1].ejected);
  EXPECT_EQ(catalog->instances[1].timesEjected, 1u);
  now += gateway::seconds(30);  // ejection time up: back in rotation in the report
  snapshot();
  EXPECT_FALSE(topology.findService("catalog")->instances[1].ejected);
}

}  // namespace
}  // namespace gwdash
