// Path tricks over real sockets: raw request lines (nothing normalises them before gatewayd)
// against an `/admin` route that needs an API key, next to an open catch-all, both to the
// echo mock. A trick is refused with 400, or meets the admin route's key check; what the
// upstream receives is the normalised path, with the query as the client sent it. (The
// listener accepts a "#" and a backslash in a target: the core refuses those.)
#include <string>
#include <vector>

#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

class PathTricksTest : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    const json echo = json::array({stack_.mock("echo")});
    startGateway({{"services", json::array({{{"name", "echo"}, {"instances", echo}}})},
                  {"consumers", json::array({{{"id", "ops"}, {"api_keys", {kKey}}}})},
                  {"routes", json::array({{{"name", "admin"}, {"match", {{"prefix", "/admin"}}}, {"service", "echo"},
                                           {"auth", {{"methods", {"api_key"}}}}},
                                          {{"name", "open"}, {"match", {{"prefix", "/"}}}, {"service", "echo"}}})}});
  }
  // One raw request line on a fresh connection.
  HttpReply raw(const std::string& target, bool withKey) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (withKey) headers.emplace_back("X-API-Key", kKey);
    return fetch(stack_.gateway(), "GET", target, headers);
  }
  static std::string code(const HttpReply& r) {
    const json body = json::parse(r.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"]["code"].get<std::string>() : "";
  }

  static constexpr const char* kKey = "ops-key-0123456789";
};

TEST_F(PathTricksTest, TheUpstreamReceivesTheNormalisedPath) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/%61dmin", "/admin"},
      {"//admin//users/", "/admin/users/"},
      {"/x/../admin/a", "/admin/a"},
      {"/./admin/%2e/b/c/..", "/admin/b/"},
      {"/ad%6din/caf%c3%a9?q=/../%2e%2e&r=a//b", "/admin/caf%C3%A9?q=/../%2e%2e&r=a//b"},
  };
  for (const auto& [trick, upstream] : cases) {
    SCOPED_TRACE(trick);
    const HttpReply anonymous = raw(trick, false);
    EXPECT_EQ(anonymous.status, 401) << anonymous.body;
    const HttpReply r = raw(trick, true);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("X-Mock-Target"), upstream);
    EXPECT_EQ(json::parse(r.body)["target"], upstream);
  }
  // The catch-all forwards its normalised path too.
  const HttpReply open = raw("//docs/./v1/../v2", false);
  ASSERT_EQ(open.status, 200) << open.body;
  EXPECT_EQ(open.header("X-Mock-Target"), "/docs/v2");
}

TEST_F(PathTricksTest, AbsoluteFormTargetsAreNormalisedAlike) {
  const HttpReply anonymous = raw("http://gw.example/x/../%61dmin", false);
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  const HttpReply r = raw("http://gw.example/x/../%61dmin", true);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-Mock-Target"), "/admin");
}

TEST_F(PathTricksTest, AmbiguousSpellingsAreRefusedBeforeAnyUpstream) {
  for (const std::string trick : {"/%2e%2e/admin", "/admin%2fsecret", "/admin%5Csecret", "/admin;x=1", "/admin%3bx",
                                  "/x/../../admin", "/adm%zzin", "/admin#x", "/admin\\x"}) {
    SCOPED_TRACE(trick);
    const std::uint64_t before = mockRequests("echo-1");
    const HttpReply r = raw(trick, true);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(code(r), "bad_path") << r.body;
    EXPECT_EQ(mockRequests("echo-1"), before) << "the refused request reached the upstream";
  }
}

}  // namespace
}  // namespace gateway::testing
