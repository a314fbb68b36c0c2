// Response transformation (BFF profiles) through gatewayd and mock-services: a mobile client
// gets the user list filtered, renamed and gzip'd (decoded here and checked field by field), a
// web client gets mock-services' answer byte for byte; the upstream is asked for identity
// bodies; the counters show in /stats and /metrics.
#include "libgateway/transform/compression.h"
#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

class TransformTest : public StackTest {
 protected:
  json config() const {
    json c = standardGateway();
    c["routes"].push_back({{"name", "people"},
                           {"match", {{"prefix", "/api/people"}}},
                           {"service", "users"},
                           {"rewrite", "/users{*}"},
                           {"transform", json::parse(R"({
                              "select": {"header": "X-Client"}, "default": "web",
                              "profiles": {
                                "mobile": {"allow": ["users[].id", "users[].name", "users[].created_at", "total"],
                                           "rename": {"users[].created_at": "created"},
                                           "compress": {"min_bytes": 256, "encodings": ["gzip"]}},
                                "web": {}}})")}});
    c["routes"].push_back({{"name", "echo-slim"},
                           {"match", {{"prefix", "/slim"}}},
                           {"service", "echo"},
                           {"transform", json::parse(R"({"default": "slim",
                              "profiles": {"slim": {"allow": ["headers", "path"]}}})")}});
    return c;
  }
};

TEST_F(TransformTest, MobileGetsAMinimalGzippedListAndWebTheFullOne) {
  startGateway(config());
  const HttpReply direct = fetch(stack_.mock("users"), "GET", "/users?limit=50");
  ASSERT_EQ(direct.status, 200) << direct.body;
  const json full = json::parse(direct.body);
  ASSERT_EQ(full["users"].size(), 50u);

  const HttpReply mobile = get("/api/people?limit=50", {{"X-Client", "mobile"}, {"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_EQ(mobile.status, 200) << mobile.body;
  EXPECT_EQ(mobile.header("Content-Encoding"), "gzip") << "the profile offers gzip only";
  EXPECT_NE(mobile.header("Vary").find("X-Client"), std::string::npos);
  EXPECT_EQ(std::to_string(mobile.body.size()), mobile.header("Content-Length")) << "framed for the encoded bytes";
  const auto decoded = decodeBody(ContentCoding::kGzip, mobile.body, 1 << 20);
  ASSERT_TRUE(decoded) << "not a gzip body";
  const json slim = json::parse(*decoded);
  EXPECT_EQ(slim["total"], full["total"]);
  EXPECT_FALSE(slim.contains("offset"));
  ASSERT_EQ(slim["users"].size(), 50u);
  for (std::size_t i = 0; i < 50; ++i) {
    const json& want = full["users"][i];
    EXPECT_EQ(slim["users"][i], json({{"id", want["id"]}, {"name", want["name"]}, {"created", want["created_at"]}})) << i;
  }
  EXPECT_LT(mobile.body.size() * 4, direct.body.size()) << "filtered and compressed: " << mobile.body.size() << " of "
                                                         << direct.body.size() << " bytes";

  const HttpReply web = get("/api/people?limit=50", {{"X-Client", "web"}, {"Accept-Encoding", "gzip"}});
  ASSERT_EQ(web.status, 200);
  EXPECT_FALSE(web.has("Content-Encoding"));
  EXPECT_EQ(web.body, direct.body) << "web: mock-services' answer byte for byte";
  const HttpReply unknown = get("/api/people?limit=50", {{"X-Client", "smart-fridge"}});
  EXPECT_EQ(unknown.body, direct.body) << "an unknown client gets the default";

  const json stats = json::parse(fetch(stack_.admin(), "GET", "/stats").body);
  const json& people = stats["policies"]["transform"]["routes"]["people"];
  EXPECT_EQ(people["profiles"]["mobile"]["responses"], 1) << stats.dump();
  EXPECT_EQ(people["profiles"]["mobile"]["compressed"], 1);
  EXPECT_EQ(people["profiles"]["mobile"]["bytes_out"], mobile.body.size());
  EXPECT_EQ(people["profiles"]["web"]["responses"], 2);
  const std::string metrics = fetch(stack_.admin(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("gateway_transform_compressed_total{route=\"people\",profile=\"mobile\"} 1"), std::string::npos);
}

TEST_F(TransformTest, TheUpstreamIsAskedForIdentityBodies) {
  startGateway(config());
  const HttpReply r = get("/slim/x", {{"Accept-Encoding", "gzip, br"}, {"X-Other", "kept"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json echoed = json::parse(r.body);
  EXPECT_EQ(echoed.size(), 2u) << "only headers and path allowed: " << r.body;
  std::vector<std::string> acceptEncoding;
  bool other = false;
  for (const auto& field : echoed["headers"]) {
    const std::string name = field[0];
    if (name.size() == 15 && iequals(name, "accept-encoding")) acceptEncoding.push_back(field[1]);
    if (iequals(name, "x-other")) other = field[1] == "kept";
  }
  EXPECT_EQ(acceptEncoding, std::vector<std::string>{"identity"});
  EXPECT_TRUE(other);
}

}  // namespace
}  // namespace gateway::testing
