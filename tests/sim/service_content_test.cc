// Simulated services with content: a service's "kind" answers with the catalog's JSON for the
// request target (the bytes mock-services serves for the same seed), "body_bytes" fits 2xx
// bodies to a size drawn once per target, errors carry mock-services' error bodies, and a
// run reports bytes to clients and upstream requests only when some service has content.
#include <gtest/gtest.h>

#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "libgateway/core/manual_time.h"
#include "sim/engine/sim_transport.h"
#include "sim/model/catalog.h"
#include "tests/sim/sim_test_support.h"

namespace gwsim {
namespace {

using gateway::UpstreamResult;
using nlohmann::json;

json contentScenario(const json& service) {
  json model = {{"model", {{"workers", 4}, {"latency", 1}}}};
  model.merge_patch(service);
  return {{"name", "content"},
          {"seed", 5},
          {"duration_s", 2},
          {"gateway",
           {{"services", {{{"name", "svc"}, {"instances", {{{"id", "svc-1"}, {"address", "10.0.0.1:80"}}}}}}},
            {"routes", {{{"name", "all"}, {"match", {{"prefix", "/"}}}, {"service", "svc"}}}}}},
          {"services", {{"svc", model}}},
          {"clients",
           {{{"name", "clients"}, {"arrival", {{"process", "constant"}, {"rate", 10}}},
             {"requests", {{{"path", "/products/7"}}}}}}}};
}

// One SimTransport of a scenario, driven by a manual clock: send() answers after the run.
class SimContentTest : public ::testing::Test {
 protected:
  void load(const json& service) {
    scenario_ = testing::mustLoad(contentScenario(service));
    transport_.emplace(*scenario_, gateway::Random(scenario_->seed));
    transport_->attach(clock_, scheduler_);
  }
  UpstreamResult send(const std::string& target, const std::string& method = "GET") {
    std::optional<UpstreamResult> out;
    gateway::Request request;
    request.method = method;
    request.target = target;
    transport_->send({"svc", "svc-1", "10.0.0.1:80"}, request, clock_.now() + gateway::seconds(5),
                     [&out](UpstreamResult r) { out = std::move(r); });
    for (int i = 0; i < 100 && !out; ++i) scheduler_.runNextUntil(gateway::kNever);
    EXPECT_TRUE(out.has_value()) << "no answer to " << target;
    return out.value_or(UpstreamResult{});
  }
  static std::string catalogBody(const std::string& kind, const std::string& target, std::uint64_t seed = 5) {
    gateway::Request request;
    request.target = target;
    return Catalog(seed).answer(kind, request).body;
  }

  gateway::ManualClock clock_{0};
  gateway::ManualScheduler scheduler_{clock_};
  std::optional<Scenario> scenario_;
  std::optional<SimTransport> transport_;
};

TEST_F(SimContentTest, AKindAnswersWithTheCatalogsJsonForTheTarget) {
  load({{"kind", "products"}});
  UpstreamResult r = send("/products/7");
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(r.response.body, catalogBody("products", "/products/7"));
  EXPECT_EQ(json::parse(r.response.body)["id"], 7);
  // The catalog's own statuses: an unknown id, a method the path does not take.
  EXPECT_EQ(send("/products/9999").response.status, 404);
  EXPECT_EQ(send("/products/1", "DELETE").response.status, 405);
  // Without "kind" a body size alone serves the data of the service's name, else echo.
  load({{"body_bytes", 300}});
  r = send("/anything?x=1");
  EXPECT_EQ(json::parse(r.response.body)["target"], "/anything?x=1");
  EXPECT_EQ(r.response.body.size(), 300u);
}

TEST_F(SimContentTest, BodyBytesFitsTwoXxAnswersToOneSizePerTarget) {
  load({{"kind", "products"}, {"body_bytes", {{"dist", "uniform"}, {"min", 1000}, {"max", 9000}}}});
  const std::string first = send("/products/7").response.body;
  EXPECT_GE(first.size(), 1000u);
  EXPECT_LE(first.size(), 9000u);
  EXPECT_EQ(send("/products/7").response.body, first) << "the same target, the same bytes";
  EXPECT_EQ(json::parse(first)["name"], json::parse(catalogBody("products", "/products/7"))["name"]);
  std::set<std::size_t> sizes;
  for (int id = 1; id <= 20; ++id) sizes.insert(send("/products/" + std::to_string(id)).response.body.size());
  EXPECT_GT(sizes.size(), 15u) << "targets draw their own sizes";
  // Error answers keep their natural size.
  EXPECT_EQ(send("/products/9999").response.body, catalogBody("products", "/products/9999"));
}

TEST_F(SimContentTest, ErrorsCarryMockServicesErrorBodies) {
  load({{"kind", "users"}, {"model", {{"error_rate", 1.0}, {"error_status", 502}}}});
  UpstreamResult r = send("/users/1");
  EXPECT_EQ(r.response.status, 502);
  EXPECT_EQ(json::parse(r.response.body)["error"]["code"], "injected_error");
  // Without content, the same model answers a bare status (the simulator's original model).
  load({{"model", {{"error_rate", 1.0}, {"error_status", 502}}}});
  r = send("/users/1");
  EXPECT_EQ(r.response.status, 502);
  EXPECT_TRUE(r.response.body.empty());
}

TEST(ServiceContentLoadTest, BadKindsAndSizesNameTheirPath) {
  auto load = loadScenarioJson(contentScenario({{"kind", "user"}, {"body_bytes", {{"dist", "uniform"}, {"min", 5}}}}), ".");
  ASSERT_FALSE(load.ok());
  const std::string text = load.errors.text();
  EXPECT_NE(text.find("/services/svc/kind"), std::string::npos) << text;
  EXPECT_NE(text.find("/services/svc/body_bytes/max"), std::string::npos) << text;
}

TEST(ContentReportTest, ARunReportsBytesAndUpstreamRequestsOnlyWithContent) {
  const RunResult plain = testing::runQuiet(testing::mustLoad(contentScenario(json::object())));
  EXPECT_FALSE(plain.content.enabled);
  EXPECT_FALSE(plain.toJson().contains("content"));
  EXPECT_FALSE(plain.metric("bytes_to_clients", {}).has_value());

  const RunResult r = testing::runQuiet(testing::mustLoad(contentScenario({{"kind", "products"}, {"body_bytes", 2048}})));
  ASSERT_TRUE(r.content.enabled);
  ASSERT_EQ(r.total.statuses.total, 20u);
  EXPECT_EQ(r.content.bytesToClients, 20u * 2048);
  EXPECT_EQ(r.metric("bytes_to_clients", {{"group", "clients"}}), 20.0 * 2048);
  EXPECT_EQ(r.metric("bytes_to_clients", {{"route", "all"}}), 20.0 * 2048);
  EXPECT_EQ(r.metric("mean_body_bytes", {{"group", "clients"}}), 2048.0);
  EXPECT_EQ(r.metric("upstream_requests", {{"service", "svc"}}), 20.0);
  EXPECT_EQ(r.metric("upstream_saved", {}), 0.0);
  EXPECT_EQ(r.metric("partial_answers", {}), 0.0);
  EXPECT_FALSE(r.metric("cache_hit_ratio", {}).has_value()) << "no cache, no ratio";
  const json j = r.toJson()["content"];
  EXPECT_EQ(j["bytes_to_clients"], 20 * 2048);
  EXPECT_EQ(j["upstream_requests"]["svc"], 20);
  EXPECT_FALSE(j.contains("cache"));
  EXPECT_NE(formatRunSummary(r).find("bytes to clients: 40960; clients 40960\n"), std::string::npos) << formatRunSummary(r);
}

TEST(ContentReportTest, ContentMetricsTakeTheirLabelsOnly) {
  json doc = contentScenario({{"kind", "products"}});
  for (const char* bad : {"upstream_saved{route=all} > 1", "upstream_requests{route=all} > 1",
                          "cache_hit_ratio{group=clients} > 0.5", "fetches_per_stampede < 2"}) {
    doc["expectations"] = {bad};
    auto load = loadScenarioJson(doc, ".");
    EXPECT_FALSE(load.ok()) << bad;
    EXPECT_NE(load.errors.text().find("/expectations/0"), std::string::npos) << load.errors.text();
  }
  doc["expectations"] = {"bytes_to_clients{group=clients} > 1", "upstream_requests{service=svc} == 20",
                         "cache_hit_ratio{route=all} > 0.5"};
  auto load = loadScenarioJson(doc, ".");
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const RunResult r = testing::runQuiet(*load.scenario);
  ASSERT_EQ(r.expectations.size(), 3u);
  EXPECT_TRUE(r.expectations[0].passed);
  EXPECT_TRUE(r.expectations[1].passed);
  EXPECT_FALSE(r.expectations[2].actual.has_value()) << "no cache: no such metric";
}

}  // namespace
}  // namespace gwsim
