// The standard stage masks (stage_list.h standardStageMask, RouteRuntime::stageMask): each
// route's mask names the standard stages that have something to do on it, and a Gateway whose
// stages are the standard list skips the others in both directions (their body limits too).
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "libgateway/pipeline/stage_list.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;

std::shared_ptr<const Config> maskConfig() {
  return testing::mustParse(R"({
    "services": [{"name": "svc", "instances": ["10.0.0.1:80"], "timeout_ms": 1000}],
    "routes": [
      {"name": "plain", "match": {"prefix": "/plain"}, "service": "svc"},
      {"name": "headers", "match": {"prefix": "/headers"}, "service": "svc",
       "response_headers": {"add": {"X-A": "1"}}},
      {"name": "limited", "match": {"prefix": "/limited"}, "service": "svc", "rate_limit": {"policies": ["p"]}},
      {"name": "tiered", "match": {"prefix": "/tiered"}, "service": "svc", "rate_limit": {"per_consumer": true}},
      {"name": "both", "match": {"prefix": "/both"}, "service": "svc", "rate_limit": {"policies": ["p"]},
       "response_headers": {"remove": ["Server"]}}
    ],
    "rate_limits": {"anonymous_tier": "anon",
                    "tiers": {"anon": {"algorithm": "fixed_window", "limit": 100, "window_ms": 1000}},
                    "policies": {"p": {"algorithm": "fixed_window", "limit": 100, "window_ms": 1000}}}
  })");
}

std::size_t slotOf(std::string_view name) {
  const auto stages = standardStages();
  for (std::size_t i = 0; i < stages.size(); ++i) {
    if (stages[i].name == name) return i;
  }
  ADD_FAILURE() << "no standard stage " << name;
  return 63;
}

std::uint64_t bits(std::initializer_list<std::string_view> names) {
  std::uint64_t mask = 0;
  for (auto name : names) mask |= std::uint64_t{1} << slotOf(name);
  return mask;
}

TEST(StageMask, EachRouteNamesTheStandardStagesItUses) {
  const auto config = maskConfig();
  const std::map<std::string, std::uint64_t> want = {
      {"plain", bits({"identity"})},
      {"headers", bits({"identity", "response_headers"})},
      {"limited", bits({"identity", "rate_limit"})},
      {"tiered", bits({"identity", "rate_limit"})},
      {"both", bits({"identity", "rate_limit", "response_headers"})},
  };
  SharedState shared(config);
  const auto runtime = shared.runtime();
  ASSERT_EQ(config->routes.size(), want.size());
  for (std::size_t i = 0; i < config->routes.size(); ++i) {
    const RouteConfig& route = config->routes[i];
    EXPECT_EQ(standardStageMask(route), want.at(route.name)) << route.name;
    EXPECT_EQ(runtime->route(i).stageMask, want.at(route.name)) << route.name << ": the runtime keeps the mask";
  }
}

// One per standard slot, named after it: logs every call it gets.
class Probe final : public Stage {
 public:
  Probe(std::string name, std::vector<std::string>& log, std::size_t bodyLimit)
      : name_(std::move(name)), log_(log), bodyLimit_(bodyLimit) {}
  std::optional<Response> onRequest(Exchange&) override {
    log_.push_back(name_ + ">");
    return std::nullopt;
  }
  void onResponse(Exchange&, Response&) override { log_.push_back(name_ + "<"); }
  std::size_t requestBodyLimit(const Exchange&) const override { return bodyLimit_; }
  std::size_t responseBodyLimit(const Exchange&) const override { return bodyLimit_; }

 private:
  std::string name_;
  std::vector<std::string>& log_;
  std::size_t bodyLimit_;
};

class MaskedGateway : public ::testing::Test {
 protected:
  // A probe in every standard slot; only `limited` (a slot's name) asks for whole bodies.
  void install(std::string_view limited = "") {
    for (const StageSpec& spec : standardStages()) {
      h.gateway.addStage(std::make_unique<Probe>(std::string(spec.name), log, spec.name == limited ? 4 : 0));
    }
    h.gateway.useStandardStageMasks();
  }
  std::vector<std::string> run(const std::string& target) {
    log.clear();
    h.start(makeRequest("GET", target));
    if (!h.transport.sends.empty()) h.transport.respond(200);
    return log;
  }

  GatewayHarness h{maskConfig()};
  std::vector<std::string> log;
};

TEST_F(MaskedGateway, SkipsTheStagesARouteDoesNotUseInBothDirections) {
  install();
  using Log = std::vector<std::string>;
  EXPECT_EQ(run("/plain"), (Log{"identity>", "identity<"})) << "no rate-limit or header stage without their config";
  EXPECT_EQ(run("/limited"), (Log{"identity>", "rate_limit>", "rate_limit<", "identity<"}));
  EXPECT_EQ(run("/headers"), (Log{"response_headers>", "identity>", "identity<", "response_headers<"}));
  EXPECT_EQ(run("/both").size(), 6u);
}

TEST_F(MaskedGateway, AStageAddedAfterTheStandardListTurnsTheMasksOff) {
  install();
  h.gateway.addStage(std::make_unique<Probe>("extra", log, 0));
  EXPECT_EQ(run("/plain").size(), 2 * (standardStages().size() + 1)) << "the masks describe the standard list only";
}

TEST_F(MaskedGateway, ASkippedStagesBodyLimitsDoNotApply) {
  install("response_headers");  // masked off on /plain, on for /headers
  auto upload = std::make_shared<BodyStream>(std::nullopt);
  const BodyStream* uploadRaw = upload.get();
  Request req = makeRequest("POST", "/plain");
  req.stream = std::move(upload);
  auto res = h.start(std::move(req));
  ASSERT_EQ(h.transport.sends.size(), 1u) << "the request body is not held for a stage that does not apply";
  EXPECT_EQ(h.transport.sends[0].request.stream.get(), uploadRaw);

  UpstreamResult result;
  result.response.stream = std::make_shared<BodyStream>(std::nullopt);
  result.response.stream->write("longer than four bytes");
  result.response.stream->end();
  h.transport.complete(std::move(result));
  h.runDue();
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 200) << (*res)->body;
  ASSERT_NE((*res)->stream, nullptr) << "the response streams on, uncollected";
  EXPECT_EQ((*res)->stream->data(), "longer than four bytes");

  // Where the stage applies, its limit holds.
  auto limited = h.start(makeRequest("GET", "/headers"));
  result = UpstreamResult{};
  result.response.stream = std::make_shared<BodyStream>(std::nullopt);
  result.response.stream->write("longer than four bytes");
  result.response.stream->end();
  h.transport.complete(std::move(result));
  h.runDue();
  ASSERT_TRUE(limited->has_value());
  EXPECT_EQ((*limited)->status, 502);
}

}  // namespace
}  // namespace gateway
