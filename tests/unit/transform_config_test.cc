// The "transform" route field's loader: every error at its JSON path (profiles, field rules
// inside a profile, compression, select by header / consumer / tier, default, body limit),
// and a valid field's compiled settings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/config/config_loader.h"
#include "libgateway/pipeline/stage_list.h"
#include "libgateway/transform/transform_config.h"

namespace gateway {
namespace {

nlohmann::json transformConfigWith(const nlohmann::json& transform) {
  nlohmann::json doc = nlohmann::json::parse(R"({
    "services": [{"name": "svc", "instances": ["10.0.0.1:80"]}],
    "consumers": [{"id": "device-7", "tier": "free", "api_keys": ["device-7-key-0001"]}],
    "rate_limits": {"tiers": {"free": {"algorithm": "token_bucket", "rate": 10, "burst": 10}}},
    "routes": [{"name": "r", "match": {"prefix": "/"}, "service": "svc"}]
  })");
  doc["routes"][0]["transform"] = transform;
  return doc;
}

std::string transformLoadErrors(const nlohmann::json& transform) {
  ConfigLoad load = loadConfigJson(transformConfigWith(transform));
  EXPECT_FALSE(load.ok()) << "accepted: " << transform.dump();
  return load.errors.text();
}

TEST(TransformConfig, ErrorsNameTheFieldAtItsPath) {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {R"({})", "/routes/0/transform/profiles: required field is missing"},
      {R"({"profiles": {}})", "/routes/0/transform/profiles: give at least one profile"},
      {R"({"profiles": {"bad name": {}}})", "/routes/0/transform/profiles/bad name: \"bad name\" is not a valid profile name"},
      {R"({"profiles": {"m": {}, "M": {}}})", "/routes/0/transform/profiles/m: profile \"m\" differs from another only in case"},
      {R"({"profiles": {"m": {"allow": ["a..b"]}}})",
       "/routes/0/transform/profiles/m/allow/0: invalid field path \"a..b\" at character 3: empty field name"},
      {R"({"profiles": {"m": {"allow": ["id"], "deny": ["id"]}}})",
       "/routes/0/transform/profiles/m/deny/0: \"id\" is also in the allow list"},
      {R"({"profiles": {"m": {"alow": ["id"]}}})", "/routes/0/transform/profiles/m/alow: unknown field (did you mean \"allow\"?)"},
      {R"({"profiles": {"m": {"compress": {"min_bytes": -1}}}})",
       "/routes/0/transform/profiles/m/compress/min_bytes: must be between 0 and 67108864, got -1"},
      {R"({"profiles": {"m": {"compress": {"encodings": ["deflate"]}}}})",
       "/routes/0/transform/profiles/m/compress/encodings/0: expected \"br\" or \"gzip\", got \"deflate\""},
      {R"({"profiles": {"m": {"compress": {"encodings": ["gzip", "x-gzip"]}}}})",
       "/routes/0/transform/profiles/m/compress/encodings/1: \"gzip\" is listed twice"},
      {R"({"profiles": {"m": {"compress": {"encodings": []}}}})",
       "/routes/0/transform/profiles/m/compress/encodings: give at least one of \"br\" and \"gzip\""},
      {R"({"profiles": {"m": {"compress": true}}})", "/routes/0/transform/profiles/m/compress: expected an object, got boolean"},
      {R"({"profiles": {"m": {}}, "default": "web"})", "/routes/0/transform/default: unknown profile \"web\" (profiles: m)"},
      {R"({"profiles": {"m": {}}, "default": 1})", "/routes/0/transform/default: expected a profile name, got integer"},
      {R"({"profiles": {"m": {}}, "select": {"header": "X Client"}})",
       "/routes/0/transform/select/header: \"X Client\" is not a valid header name"},
      {R"({"profiles": {"m": {}}, "select": {"consumers": {"nobody": "m"}}})",
       "/routes/0/transform/select/consumers/nobody: unknown consumer \"nobody\""},
      {R"({"profiles": {"m": {}}, "select": {"consumers": {"device-7": "x"}}})",
       "/routes/0/transform/select/consumers/device-7: unknown profile \"x\" (profiles: m)"},
      {R"({"profiles": {"m": {}}, "select": {"tiers": {"gold": "m"}}})",
       "/routes/0/transform/select/tiers/gold: unknown tier \"gold\" (rate_limits.tiers has free)"},
      {R"({"profiles": {"m": {}}, "select": {"headr": "X-Client"}})",
       "/routes/0/transform/select/headr: unknown field (did you mean \"header\"?)"},
      {R"({"profiles": {"m": {}}, "max_body_bytes": 0})", "/routes/0/transform/max_body_bytes: must be between 1 and 67108864, got 0"},
      {R"("mobile")", "/routes/0/transform: expected an object, got string"},
  };
  for (const auto& [value, want] : cases) {
    const std::string text = transformLoadErrors(nlohmann::json::parse(value));
    EXPECT_NE(text.find(want), std::string::npos) << "for " << value << "\nwant: " << want << "\ngot:\n" << text;
  }
}

TEST(TransformConfig, AValidFieldCompiles) {
  ConfigLoad load = loadConfigJson(transformConfigWith(nlohmann::json::parse(R"({
    "select": {"header": "X-Client", "consumers": {"device-7": "iot"}, "tiers": {"free": "mobile"}},
    "default": "web", "max_body_bytes": 2048,
    "profiles": {"mobile": {"allow": ["id"], "compress": {"min_bytes": 256}},
                 "web": {},
                 "iot": {"allow": ["id", "status"], "compress": {"min_bytes": 0, "encodings": ["gzip"]}}}})")));
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const auto& route = load.config->routes[0];
  const TransformRules* rules = nullptr;
  for (std::size_t slot = 0; slot < standardStages().size() && !rules; ++slot) {
    if (standardStages()[slot].name == "transform") rules = route.extension<TransformRules>(slot);
  }
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(rules->route, "r");
  EXPECT_EQ(rules->selectHeader, "X-Client");
  EXPECT_EQ(rules->maxBodyBytes, 2048u);
  ASSERT_EQ(rules->profiles.size(), 3u);
  const auto name = [&](std::optional<std::size_t> i) { return i ? rules->profiles[*i].name : std::string("-"); };
  EXPECT_EQ(name(rules->defaultProfile), "web");
  EXPECT_EQ(name(rules->select(std::nullopt, "device-7", "free")), "iot");
  EXPECT_EQ(name(rules->select(std::nullopt, "other", "free")), "mobile");
  EXPECT_EQ(name(rules->select(std::string_view("MOBILE"), "device-7", "")), "mobile");
  EXPECT_EQ(name(rules->select(std::string_view("tv"), "", "")), "web");
  for (const auto& p : rules->profiles) {
    if (p.name == "mobile") {
      EXPECT_TRUE(p.compress);
      EXPECT_EQ(p.minBytes, 256u);
      EXPECT_EQ(p.encodings, (std::vector<ContentCoding>{ContentCoding::kBrotli, ContentCoding::kGzip}));
    } else if (p.name == "iot") {
      EXPECT_EQ(p.encodings, std::vector<ContentCoding>{ContentCoding::kGzip});
      EXPECT_EQ(p.minBytes, 0u);
    } else {
      EXPECT_FALSE(p.compress);
      EXPECT_TRUE(p.fields.empty());
    }
  }
}

}  // namespace
}  // namespace gateway
