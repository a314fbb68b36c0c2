// The "transform" stage (BFF profiles) through a Gateway with the standard stages: profile
// selection (header > consumer > tier > default, unknown header values ignored), field rules
// on 2xx JSON, compression by Accept-Encoding with Vary, the pass-through cases (not JSON,
// already encoded, no-transform, longer than max_body_bytes) and the counters in the policy
// report. The loader's errors are in transform_config_test.cc.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/http/body_stream.h"
#include "libgateway/pipeline/policy_report.h"
#include "libgateway/pipeline/stage_list.h"
#include "libgateway/transform/compression.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;

nlohmann::json transformStageConfig() {
  return nlohmann::json::parse(R"({
    "services": [{"name": "svc", "instances": ["10.0.0.1:80"], "timeout_ms": 1000}],
    "consumers": [{"id": "device-7", "tier": "free", "api_keys": ["device-7-key-0001"]},
                  {"id": "carol", "tier": "free", "api_keys": ["carol-key-00001"]},
                  {"id": "dave", "tier": "pro", "api_keys": ["dave-key-000001"]}],
    "rate_limits": {"tiers": {"free": {"algorithm": "token_bucket", "rate": 1000, "burst": 1000},
                              "pro": {"algorithm": "token_bucket", "rate": 1000, "burst": 1000}}},
    "routes": [
      {"name": "users", "match": {"prefix": "/users"}, "service": "svc",
       "transform": {"select": {"header": "X-Client", "consumers": {"device-7": "iot"}, "tiers": {"free": "mobile"}},
                     "default": "web", "max_body_bytes": 4096,
                     "profiles": {"mobile": {"allow": ["id", "name", "created_at", "orders[].id"],
                                             "rename": {"created_at": "created"}, "compress": {"min_bytes": 64}},
                                  "web": {},
                                  "iot": {"allow": ["id", "status"], "compress": {"min_bytes": 0, "encodings": ["gzip"]}}}}},
      {"name": "bare", "match": {"prefix": "/bare"}, "service": "svc",
       "transform": {"profiles": {"slim": {"deny": ["secret"]}}}}
    ]
  })");
}

// A user with 30 orders: even the mobile view of it is worth compressing.
std::string transformUserBody() {
  nlohmann::json user = {{"id", 7}, {"name", "Ada"}, {"email", "ada@example.com"}, {"status", "active"},
                         {"created_at", "2024-01-01"}, {"secret", "s"}, {"orders", nlohmann::json::array()}};
  for (int i = 1; i <= 30; ++i) user["orders"].push_back({{"id", 1000 + i}, {"total_cents", 100 * i}});
  return user.dump();
}

nlohmann::json transformMobileView() {
  nlohmann::json view = {{"id", 7}, {"name", "Ada"}, {"created", "2024-01-01"}, {"orders", nlohmann::json::array()}};
  for (int i = 1; i <= 30; ++i) view["orders"].push_back({{"id", 1000 + i}});
  return view;
}

Headers jsonHeaders() { return Headers{{"Content-Type", "application/json"}, {"ETag", "\"v1\""}, {"Content-Length", "999"}}; }

struct TransformHarness : GatewayHarness {
  TransformHarness() : GatewayHarness(testing::mustLoad(transformStageConfig())) { installStandardStages(gateway, shared, env); }

  Response call(const std::string& target, Headers request, std::string body = transformUserBody(),
                Headers upstream = jsonHeaders(), int status = 200) {
    auto slot = start(makeRequest("GET", target, std::move(request)));
    if (!slot->has_value() && !transport.sends.empty()) {
      upstreamRequest = transport.sends.front().request;
      transport.respond(status, std::move(body), std::move(upstream));
    }
    runDue();
    EXPECT_TRUE(slot->has_value());
    return slot->value_or(Response{});
  }
  nlohmann::json counters(const std::string& route) { return policySnapshot(shared, clock.now())["transform"]["routes"][route]; }

  Request upstreamRequest;
};

nlohmann::json plainJson(const Response& r) {
  EXPECT_FALSE(r.headers.has("Content-Encoding"));
  return nlohmann::json::parse(r.body);
}

TEST(TransformStage, ProfileByHeaderThenConsumerThenTierThenDefault) {
  TransformHarness h;
  const auto full = nlohmann::json::parse(transformUserBody());
  const nlohmann::json mobile = transformMobileView();
  const nlohmann::json iot = {{"id", 7}, {"status", "active"}};
  EXPECT_EQ(plainJson(h.call("/users/7", {})), full) << "nobody selects: the default (web, full)";
  EXPECT_EQ(plainJson(h.call("/users/7", {{"X-Client", "mobile"}})), mobile);
  EXPECT_EQ(plainJson(h.call("/users/7", {{"x-client", "IoT"}})), iot) << "profile names match case-insensitively";
  EXPECT_EQ(plainJson(h.call("/users/7", {{"X-Client", "iot"}, {"X-API-Key", "dave-key-000001"}})), iot) << "header first";
  EXPECT_EQ(plainJson(h.call("/users/7", {{"X-API-Key", "device-7-key-0001"}})), iot) << "consumer before its tier";
  EXPECT_EQ(plainJson(h.call("/users/7", {{"X-API-Key", "carol-key-00001"}})), mobile) << "tier free";
  EXPECT_EQ(plainJson(h.call("/users/7", {{"X-API-Key", "dave-key-000001"}})), full) << "tier pro has no profile";
  EXPECT_EQ(plainJson(h.call("/users/7", {{"X-Client", "tablet"}})), full) << "unknown value: as if absent";
  EXPECT_EQ(plainJson(h.call("/users/7", {{"X-Client", "tablet"}, {"X-API-Key", "carol-key-00001"}})), mobile);

  const auto c = h.counters("users");
  EXPECT_EQ(c["responses"], 9);
  EXPECT_EQ(c["profiles"]["web"]["responses"], 3);
  EXPECT_EQ(c["profiles"]["mobile"]["responses"], 3);
  EXPECT_EQ(c["profiles"]["iot"]["responses"], 3);
  EXPECT_EQ(c["filtered"], 6);
}

TEST(TransformStage, UpstreamIsAskedForIdentityAndEveryAnswerVariesOnTheSelectHeader) {
  TransformHarness h;
  const Response r = h.call("/users/7", {{"Accept-Encoding", "gzip, br"}, {"X-Client", "web"}});
  EXPECT_EQ(h.upstreamRequest.headers.all("Accept-Encoding"), std::vector<std::string_view>{"identity"});
  EXPECT_EQ(r.headers.all("Vary"), std::vector<std::string_view>{"X-Client"});
  EXPECT_EQ(r.body, transformUserBody()) << "web: full, uncompressed";
  EXPECT_EQ(r.headers.get("ETag"), "\"v1\"") << "an untouched body keeps its validator";

  const Response other = h.call("/users/7", {}, transformUserBody(), Headers{{"Content-Type", "application/json"}, {"Vary", "Origin, x-client"}});
  EXPECT_EQ(other.headers.all("Vary"), std::vector<std::string_view>{"Origin, x-client"}) << "not listed twice";
}

TEST(TransformStage, MobileAnswerIsFilteredThenCompressed) {
  TransformHarness h;
  const Response r = h.call("/users/7", {{"X-Client", "mobile"}, {"Accept-Encoding", "gzip;q=0.8, br"}});
  EXPECT_EQ(r.headers.get("Content-Encoding"), "br");
  EXPECT_EQ(r.headers.all("Vary"), (std::vector<std::string_view>{"X-Client", "Accept-Encoding"}));
  EXPECT_FALSE(r.headers.has("Content-Length")) << "the upstream's length is stale";
  EXPECT_EQ(r.headers.get("ETag"), "W/\"v1\"");
  const auto body = decodeBody(ContentCoding::kBrotli, r.body, 1 << 20);
  ASSERT_TRUE(body);
  EXPECT_EQ(nlohmann::json::parse(*body), transformMobileView());

  const Response gz = h.call("/users/7", {{"X-Client", "mobile"}, {"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gz.headers.get("Content-Encoding"), "gzip");
  EXPECT_EQ(decodeBody(ContentCoding::kGzip, gz.body, 1 << 20), *body);

  const auto c = h.counters("users")["profiles"]["mobile"];
  EXPECT_EQ(c["compressed"], 2);
  EXPECT_EQ(c["bytes_in"], 2 * transformUserBody().size());
  EXPECT_EQ(c["bytes_out"], r.body.size() + gz.body.size());
}

TEST(TransformStage, CompressionFollowsAcceptEncodingSizeAndType) {
  TransformHarness h;
  const Headers mobile = {{"X-Client", "mobile"}};
  auto with = [&](std::string acceptEncoding) {
    Headers headers = mobile;
    headers.add("Accept-Encoding", acceptEncoding);
    return headers;
  };
  const Response refused = h.call("/users/7", with("gzip;q=0, br;q=0"));
  EXPECT_FALSE(refused.headers.has("Content-Encoding"));
  EXPECT_TRUE(refused.headers.has("ETag") && refused.headers.get("ETag") == "W/\"v1\"") << "filtered all the same";
  EXPECT_EQ(refused.headers.all("Vary"), (std::vector<std::string_view>{"X-Client", "Accept-Encoding"}));

  EXPECT_FALSE(h.call("/users/7", mobile).headers.has("Content-Encoding")) << "no Accept-Encoding: identity";
  EXPECT_EQ(h.call("/users/7", with("*")).headers.get("Content-Encoding"), "br");
  const std::string longStatus = nlohmann::json({{"id", 7}, {"status", std::string(200, 'a')}}).dump();
  EXPECT_EQ(h.call("/users/7", {{"X-Client", "iot"}, {"Accept-Encoding", "br, gzip;q=0.1"}}, longStatus).headers.get("Content-Encoding"),
            "gzip")
      << "iot offers only gzip";
  const Response tiny = h.call("/users/7", {{"X-Client", "iot"}, {"Accept-Encoding", "gzip"}});
  EXPECT_FALSE(tiny.headers.has("Content-Encoding")) << "gzip would make 26 bytes longer: sent as they are";
  EXPECT_EQ(nlohmann::json::parse(tiny.body), nlohmann::json({{"id", 7}, {"status", "active"}}));

  const Response small = h.call("/users/7", with("gzip"), R"({"id": 7})");
  EXPECT_FALSE(small.headers.has("Content-Encoding")) << "under min_bytes";
  EXPECT_EQ(small.headers.all("Vary"), std::vector<std::string_view>{"X-Client"});

  const std::string png(200, 'x');
  const Response image = h.call("/users/7.png", with("gzip"), png, Headers{{"Content-Type", "image/png"}});
  EXPECT_FALSE(image.headers.has("Content-Encoding"));
  EXPECT_EQ(image.body, png);

  const std::string text = std::string(300, 'a');
  const Response error = h.call("/users/7", with("gzip"), text, Headers{{"Content-Type", "text/plain"}}, 404);
  EXPECT_EQ(error.headers.get("Content-Encoding"), "gzip") << "any status compresses; field rules are for 2xx JSON";
  EXPECT_EQ(decodeBody(ContentCoding::kGzip, error.body, 1000), text);
}

TEST(TransformStage, BodiesItCannotTransformPassAsTheyAre) {
  TransformHarness h;
  const Headers mobileGzip = {{"X-Client", "mobile"}, {"Accept-Encoding", "gzip"}};
  const std::string broken = R"({"id": 7, "name": )" + std::string(100, ' ');
  const Response notJson = h.call("/users/7", mobileGzip, broken);
  EXPECT_EQ(notJson.headers.get("Content-Encoding"), "gzip") << "still compressed";
  EXPECT_EQ(decodeBody(ContentCoding::kGzip, notJson.body, 1000), broken);

  const std::string gz = *encodeBody(ContentCoding::kGzip, transformUserBody());
  const Response encoded = h.call("/users/7", mobileGzip, gz, Headers{{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(encoded.body, gz) << "already encoded upstream: neither filtered nor encoded twice";

  const Response noTransform = h.call("/users/7", mobileGzip, transformUserBody(),
                                      Headers{{"Content-Type", "application/json"}, {"Cache-Control", "public, no-transform"}});
  EXPECT_EQ(noTransform.body, transformUserBody());

  std::string deep(300, '[');
  deep += std::string(300, ']');
  const Response tooDeep = h.call("/users/7", {{"X-Client", "mobile"}}, deep);
  EXPECT_EQ(tooDeep.body, deep);

  const Response status500 = h.call("/users/7", {{"X-Client", "mobile"}}, transformUserBody(), jsonHeaders(), 500);
  EXPECT_EQ(status500.body, transformUserBody()) << "field rules only rewrite 2xx answers";

  const auto c = h.counters("users")["profiles"]["mobile"];
  EXPECT_EQ(c["skipped_not_json"], 2);
  EXPECT_EQ(c["skipped_encoded"], 1);
  EXPECT_EQ(c["skipped_no_transform"], 1);
  EXPECT_EQ(c["filtered"], 0);
  EXPECT_EQ(c["compressed"], 1);
}

TEST(TransformStage, ABodyLongerThanMaxBodyBytesPassesStreamedAndUntouched) {
  TransformHarness h;
  auto slot = h.start(makeRequest("GET", "/users/7", {{"X-Client", "mobile"}, {"Accept-Encoding", "gzip"}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  const std::string big = R"({"id": 7, "email": ")" + std::string(6000, 'e') + "\"}";
  auto stream = std::make_shared<BodyStream>(big.size());
  stream->write(big);
  stream->end();
  UpstreamResult result;
  result.response.headers = jsonHeaders();
  result.response.stream = stream;
  h.transport.complete(std::move(result));
  h.runDue();
  ASSERT_TRUE(slot->has_value());
  const Response& r = **slot;
  EXPECT_EQ(r.status, 200) << "not a 502: the stage can do without the body";
  ASSERT_NE(r.stream, nullptr);
  EXPECT_EQ(r.stream->data(), big) << "every byte, unfiltered";
  EXPECT_FALSE(r.headers.has("Content-Encoding"));
  const auto c = h.counters("users")["profiles"]["mobile"];
  EXPECT_EQ(c["skipped_too_large"], 1);
  EXPECT_EQ(c["bytes_in"], 0) << "only whole bodies are counted";
}

TEST(TransformStage, NoDefaultLeavesUnselectedAnswersAloneAndMetricsAreWritten) {
  TransformHarness h;
  const Response r = h.call("/bare/1", {});
  EXPECT_EQ(r.body, transformUserBody());
  EXPECT_FALSE(r.headers.has("Vary")) << "no select header on this route";
  EXPECT_EQ(h.counters("bare")["profiles"]["(none)"]["responses"], 1);

  h.call("/users/7", {{"X-Client", "mobile"}, {"Accept-Encoding", "gzip"}});
  std::string metrics;
  appendPolicyMetrics(h.shared, h.clock.now(), metrics);
  EXPECT_NE(metrics.find("gateway_transform_responses_total{route=\"users\",profile=\"mobile\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("gateway_transform_compressed_total{route=\"users\",profile=\"mobile\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("gateway_transform_responses_total{route=\"bare\",profile=\"(none)\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("gateway_transform_skipped_total{route=\"users\",profile=\"mobile\",reason=\"not_json\"} 0"),
            std::string::npos);
  EXPECT_EQ(metrics.find("# HELP gateway_transform_responses_total"), metrics.rfind("# HELP gateway_transform_responses_total"))
      << "one family header";
}

}  // namespace
}  // namespace gateway
