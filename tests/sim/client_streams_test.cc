// A client group's arrivals never depend on what the gateway answers: its retries' backoff
// draws from a stream of its own, so a fault (here, or one world's timing against the other's
// in gwload scenario) moves the retries, never the requests that follow.
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/sim/sim_test_support.h"

namespace gwsim {
namespace {

// Each gateway request of a run as "start_us,client,target", from the run's CSV trace.
std::multiset<std::string> tracedRequests(const Scenario& scenario) {
  std::multiset<std::string> out;
  for (const std::string& line : testing::traceLines(scenario)) {
    std::stringstream row(line);
    std::string start, end, client, consumer, method, target;
    std::getline(row, start, ',');
    std::getline(row, end, ',');
    std::getline(row, client, ',');
    std::getline(row, consumer, ',');
    std::getline(row, method, ',');
    std::getline(row, target, ',');
    out.insert(start + "," + client + "," + target);
  }
  return out;
}

TEST(ClientStreams, RetriesUnderAFaultLeaveEveryArrivalWhereItWas) {
  nlohmann::json doc = {
      {"name", "streams"},
      {"seed", 12},
      {"duration_s", 10},
      {"gateway", testing::oneServiceGateway()},
      {"services", {{"svc", {{"model", {{"workers", 8}, {"latency", {{"kind", "constant"}, {"ms", 2}}}}}}}}},
      {"clients", {{{"name", "c"}, {"count", 50}, {"arrival", {{"process", "poisson"}, {"rate", 100}}},
                    {"retry", {{"max", 2}, {"on", {503}}, {"backoff_ms", 100}}},
                    {"requests", {{{"path", "/items/{id}"}, {"params", {{"id", {{"dist", "uniform"}, {"min", 1}, {"max", 1000}}}}}}}}}}}};
  const std::multiset<std::string> calm = tracedRequests(testing::mustLoad(doc));
  doc["faults"] = {{{"kind", "abort"}, {"service", "svc"}, {"status", 503}, {"at_s", 3}, {"for_s", 2}}};
  const std::multiset<std::string> faulted = tracedRequests(testing::mustLoad(doc));

  ASSERT_GT(calm.size(), 900u);
  EXPECT_GT(faulted.size(), calm.size() + 300) << "the fault's 503s are retried";
  // Every request of the calm run, the same client and target at the same microsecond, is
  // among the faulted run's first tries.
  std::size_t missing = 0;
  for (const std::string& r : calm) missing += faulted.count(r) == 0;
  EXPECT_EQ(missing, 0u);
}

}  // namespace
}  // namespace gwsim
