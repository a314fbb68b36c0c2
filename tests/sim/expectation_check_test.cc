// A scenario's expectations are checked against the scenario when it loads: a route, client
// group, consumer or service that does not exist, or labels its metric does not read, are
// load errors with the expectation's JSON path, naming the known names.
#include <gtest/gtest.h>

#include "tests/sim/sim_test_support.h"

namespace gwsim {
namespace {

nlohmann::json withExpectations(const std::vector<std::string>& expectations) {
  nlohmann::json gateway = testing::oneServiceGateway();
  gateway["consumers"] = {{{"id", "acme"}, {"api_keys", {"acme-key-0001"}}}};
  return {{"duration_s", 1},
          {"gateway", gateway},
          {"services", {{"svc", {{"model", {{"workers", 10}, {"latency", 1}}}}}}},
          {"clients", {{{"name", "shoppers"}, {"count", 3}, {"arrival", {{"rate", 10}}}, {"requests", {{{"path", "/"}}}}}}},
          {"expectations", expectations}};
}

std::string errorsOf(const std::vector<std::string>& expectations) {
  auto load = loadScenarioJson(withExpectations(expectations), ".");
  return load.ok() ? "" : load.errors.text();
}

TEST(ExpectationCheck, NamesThatExistLoad) {
  EXPECT_EQ(errorsOf({"p99_ms{route=all} < 5", "p99_ms{route=(none)} < 5", "error_rate{group=shoppers} < 0.1",
                      "offered{consumer=acme} >= 0", "admitted{consumer=127.1.0.2} >= 0",
                      "breaker_false_trips{service=svc} == 0", "requests > 1"}),
            "");
}

TEST(ExpectationCheck, UnknownNamesAreLoadErrorsListingTheKnownOnes) {
  EXPECT_EQ(errorsOf({"p99_ms{route=al} < 5"}),
            "/expectations/0: \"p99_ms{route=al} < 5\": no route \"al\" in this scenario (did you mean \"all\"?); "
            "its routes: \"all\", \"(none)\"\n");
  EXPECT_EQ(errorsOf({"requests < 5", "error_rate{group=buyers} < 0.1"}),
            "/expectations/1: \"error_rate{group=buyers} < 0.1\": no client group \"buyers\" in this scenario; "
            "its client groups: \"shoppers\"\n");
  EXPECT_EQ(errorsOf({"breaker_transitions{service=pay} == 0"}),
            "/expectations/0: \"breaker_transitions{service=pay} == 0\": no service \"pay\" in this scenario; "
            "its services: \"svc\"\n");
  // Client 3 does not exist (the group has clients 0 to 2), nor does group 2.
  for (const char* who : {"127.1.0.3", "127.2.0.0", "nobody"}) {
    const std::string text = std::string("offered{consumer=") + who + "} > 0";
    EXPECT_EQ(errorsOf({text}), "/expectations/0: \"" + text + "\": no consumer \"" + who +
                                    "\" in this scenario; its consumers: \"acme\" (or an anonymous client's "
                                    "address, 127.G.C.C)\n");
  }
}

TEST(ExpectationCheck, LabelsTheMetricDoesNotReadAreLoadErrors) {
  EXPECT_EQ(errorsOf({"p99_ms{route=all, group=shoppers} < 5"}),
            "/expectations/0: \"p99_ms{route=all, group=shoppers} < 5\": give one of route, group or consumer, "
            "not route and group\n");
  EXPECT_EQ(errorsOf({"offered > 0"}), "/expectations/0: \"offered > 0\": offered is counted per consumer; add {consumer=ID}\n");
  EXPECT_EQ(errorsOf({"p99_ms{consumer=acme} < 5"}),
            "/expectations/0: \"p99_ms{consumer=acme} < 5\": the consumer label goes with offered and admitted\n");
}

}  // namespace
}  // namespace gwsim
