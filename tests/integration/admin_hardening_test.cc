// The admin API against hostile clients: its endpoints exist on the admin address only (the
// gateway port routes /reload like any other path); with a token file, every endpoint but
// /health and /ready needs "Authorization: Bearer <token>" and the token shows up nowhere;
// a bad token file stops the start with exit 2 and its path; state changes take POST only,
// reads GET and HEAD only; and a spoofed Host or X-Forwarded-* header changes nothing.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/integration/cli_exit.h"
#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kToken = "Adm1n-t0ken_Zq9.xR7";


std::string fileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every header line and the body, for "does it echo X" checks.
std::string everything(const HttpReply& r) {
  std::string all = r.body;
  for (const auto& [name, value] : r.headers) all += name + ": " + value + "\n";
  return all;
}

class AdminHardeningTest : public StackTest {
 protected:
  // gatewayd with the standard config; with `token`, an admin token file holding it.
  void start(bool token) {
    std::vector<std::string> args;
    if (token) args = {"--admin-token-file", stack_.dir().write("admin.token", std::string(kToken) + "\n")};
    startGateway(standardGateway(), args);
  }
  HttpReply admin(std::string_view method, std::string_view target, const Headers& headers = {}) {
    return fetch(stack_.admin(), method, target, headers);
  }
  static Headers bearer(const std::string& token = kToken) { return {{"Authorization", "Bearer " + token}}; }
  int configVersion() {
    const json s = json::parse(admin("GET", "/stats", bearer()).body, nullptr, false);
    return s.is_object() ? s.value("config_version", 0) : 0;
  }
  // The config on disk gets a route /fresh: a reload that happens makes it answer.
  void writeConfigWithFreshRoute() {
    json config = standardGateway();
    config["routes"].push_back({{"name", "fresh"}, {"match", {{"path", "/fresh"}}}, {"service", "echo"}});
    stack_.writeGatewayConfig(config);
  }
  // One raw request on the admin port (Host and the rest exactly as given).
  HttpReply raw(const std::string& bytes) {
    std::string error;
    auto c = HttpConnection::open(stack_.admin(), error);
    if (!c) return HttpReply{0, {}, error};
    if (!c->send(bytes)) return HttpReply{0, {}, "send failed"};
    auto r = c->read();
    return r ? *r : HttpReply{0, {}, "no answer"};
  }
};

TEST_F(AdminHardeningTest, GatewayPortNeverServesAdminEndpoints) {
  start(false);
  writeConfigWithFreshRoute();
  for (const char* path : {"/health", "/ready", "/metrics", "/stats", "/reload", "/cache/purge", "/config", "/requests/recent"}) {
    for (const char* method : {"GET", "POST"}) {
      const HttpReply r = fetch(stack_.gateway(), method, path);
      EXPECT_EQ(r.status, 404) << method << " " << path << ": " << r.body;
      EXPECT_FALSE(contains(r.body, "config_version") || contains(r.body, "reloaded") || contains(r.body, "# TYPE"))
          << method << " " << path << " answered like the admin API: " << r.body;
    }
  }
  // The POST /reload above was routed, not obeyed: the new config is not running.
  EXPECT_EQ(get("/fresh").status, 404);
  EXPECT_EQ(configVersion(), 1);
  // The admin port does reload it.
  ASSERT_EQ(admin("POST", "/reload").status, 200);
  EXPECT_EQ(get("/fresh").status, 200);
}

TEST_F(AdminHardeningTest, TokenGuardsEveryEndpointButProbes) {
  start(true);
  writeConfigWithFreshRoute();
  // Probes stay open for load balancers and orchestrators.
  EXPECT_EQ(admin("GET", "/health").status, 200);
  EXPECT_EQ(admin("GET", "/ready").status, 200);
  const std::vector<std::pair<const char*, const char*>> guarded = {
      {"GET", "/stats"},  {"GET", "/metrics"},         {"POST", "/reload"}, {"POST", "/cache/purge"},
      {"GET", "/config"}, {"GET", "/requests/recent"}, {"GET", "/nope"}};
  const std::vector<Headers> refused = {{},
                                        bearer("wrong-token"),
                                        bearer(std::string(kToken) + "x"),
                                        bearer(std::string(kToken).substr(1)),
                                        {{"Authorization", "Basic " + std::string(kToken)}},
                                        {{"Authorization", std::string(kToken)}},
                                        {{"Authorization", "Bearer"}},
                                        {{"X-Admin-Token", kToken}}};
  for (const auto& [method, path] : guarded) {
    for (const auto& headers : refused) {
      const HttpReply r = admin(method, path, headers);
      const std::string sent = headers.empty() ? "none" : headers[0].first + ": " + headers[0].second;
      EXPECT_EQ(r.status, 401) << method << " " << path << " with " << sent;
      EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"admin\"") << method << " " << path;
      EXPECT_FALSE(contains(everything(r), kToken)) << "the 401 reveals the token: " << everything(r);
    }
  }
  EXPECT_EQ(configVersion(), 1) << "a refused POST /reload reloaded";
  EXPECT_EQ(get("/fresh").status, 404);

  EXPECT_EQ(admin("GET", "/metrics", bearer()).status, 200);
  EXPECT_EQ(admin("GET", "/stats", {{"Authorization", std::string("bearer  ") + kToken}}).status, 200)
      << "the scheme is case-insensitive";
  const HttpReply stats = admin("GET", "/stats", bearer());
  ASSERT_EQ(stats.status, 200);
  EXPECT_FALSE(contains(stats.body, kToken)) << "/stats shows the token";
  EXPECT_TRUE(contains(stats.body, "admin.token")) << "/stats names the token file";
  ASSERT_EQ(admin("POST", "/reload", bearer()).status, 200);
  EXPECT_EQ(get("/fresh").status, 200);
  EXPECT_FALSE(contains(stack_.gatewayProcess().stderrText(), kToken)) << "the token is in gatewayd's stderr";
  EXPECT_FALSE(contains(fileText(stack_.accessLogPath()), kToken)) << "the token is in the access log";
}

TEST_F(AdminHardeningTest, BadTokenFilesStopTheStartWithExitTwoAndTheirPath) {
  const TempDir& dir = stack_.dir();
  const std::string config = dir.write("check.json", standardGateway().dump(2));
  const auto run = [&](std::vector<std::string> args, const std::string& configPath) {
    args.insert(args.begin(), {gatewaydPath(), "--config", configPath, "--listen", "127.0.0.1:0", "--admin",
                               "127.0.0.1:0"});
    return runToExit(args, dir.file("check.err"));
  };
  const std::string missing = dir.file("no-such.token");
  for (const bool check : {true, false}) {
    std::vector<std::string> args = {"--admin-token-file", missing};
    if (check) args.push_back("--check");
    const CliResult r = run(args, config);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "--admin-token-file") && contains(r.err, missing)) << r.err;
  }
  const CliResult empty = run({"--admin-token-file", dir.write("empty.token", "\n"), "--check"}, config);
  EXPECT_EQ(empty.code, 2);
  EXPECT_TRUE(contains(empty.err, "empty.token") && contains(empty.err, "empty")) << empty.err;
  // A token an Authorization header cannot carry is refused without being quoted.
  const CliResult spaced = run({"--admin-token-file", dir.write("spaced.token", "Sekrit half\n"), "--check"}, config);
  EXPECT_EQ(spaced.code, 2);
  EXPECT_TRUE(contains(spaced.err, "spaced.token")) << spaced.err;
  EXPECT_FALSE(contains(spaced.err, "Sekrit")) << spaced.err;
  EXPECT_EQ(run({"--admin-token-file", "", "--check"}, config).code, 2);

  // From the file: resolved next to the config, named by its JSON path.
  json withFile = standardGateway();
  withFile["server"] = {{"admin_token_file", "missing.token"}};
  const CliResult fromFile = run({"--check"}, dir.write("file.json", withFile.dump(2)));
  EXPECT_EQ(fromFile.code, 2);
  EXPECT_TRUE(contains(fromFile.err, "/server/admin_token_file") && contains(fromFile.err, dir.file("missing.token")))
      << fromFile.err;
  dir.write("good.token", kToken);
  withFile["server"]["admin_token_file"] = "";
  const CliResult emptyPath = run({"--check"}, dir.write("file.json", withFile.dump(2)));
  EXPECT_EQ(emptyPath.code, 2);
  EXPECT_TRUE(contains(emptyPath.err, "/server/admin_token_file: must not be empty")) << emptyPath.err;
  withFile["server"]["admin_token_file"] = "good.token";
  EXPECT_EQ(run({"--check"}, dir.write("file.json", withFile.dump(2))).code, 0);
  // The token itself in the config is refused, with a pointer to the file setting.
  json inline_ = standardGateway();
  inline_["server"] = {{"admin_token", kToken}};
  const CliResult inlined = run({"--check"}, dir.write("inline.json", inline_.dump(2)));
  EXPECT_EQ(inlined.code, 2);
  EXPECT_TRUE(contains(inlined.err, "/server/admin_token") && contains(inlined.err, "admin_token_file")) << inlined.err;
  EXPECT_FALSE(contains(inlined.err, kToken)) << inlined.err;
}

TEST_F(AdminHardeningTest, StateChangesArePostOnlyAndReadsGetOrHeadOnly) {
  start(false);
  writeConfigWithFreshRoute();
  for (const char* path : {"/reload", "/cache/purge"}) {
    for (const char* method : {"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
      const HttpReply r = admin(method, path);
      EXPECT_EQ(r.status, 405) << method << " " << path;
      EXPECT_EQ(r.header("Allow"), "POST") << method << " " << path;
    }
  }
  EXPECT_EQ(configVersion(), 1) << "a non-POST /reload reloaded";
  EXPECT_EQ(get("/fresh").status, 404);
  for (const char* path : {"/health", "/ready", "/metrics", "/stats"}) {
    for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
      const HttpReply r = admin(method, path);
      EXPECT_EQ(r.status, 405) << method << " " << path;
      EXPECT_EQ(r.header("Allow"), "GET, HEAD") << method << " " << path;
    }
    EXPECT_EQ(admin("GET", path).status, 200) << path;
  }
  std::string error;
  auto head = HttpConnection::open(stack_.admin(), error);
  ASSERT_TRUE(head) << error;
  ASSERT_TRUE(head->send(buildRequest("HEAD", "/stats", stack_.admin())));
  const auto r = head->read(5000ms, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
  EXPECT_EQ(admin("POST", "/reload").status, 200);
  EXPECT_EQ(configVersion(), 2);
}

TEST_F(AdminHardeningTest, SpoofedHostChangesNothing) {
  start(true);
  writeConfigWithFreshRoute();
  const std::string spoof =
      "Host: evil.example\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-For: 127.0.0.1\r\n"
      "X-Forwarded-Proto: https\r\nForwarded: for=127.0.0.1;host=evil.example\r\n";
  // Without the token the spoofed request is refused like any other, and nothing reloads.
  HttpReply r = raw("POST /reload HTTP/1.1\r\n" + spoof + "Content-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_FALSE(contains(everything(r), "evil.example")) << everything(r);
  // Even naming the admin address itself as Host does not help.
  r = raw("POST /reload HTTP/1.1\r\nHost: " + stack_.admin() + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(configVersion(), 1);
  EXPECT_EQ(get("/fresh").status, 404);
  // With the token it is an ordinary reload; the answer does not echo the Host anywhere.
  r = raw("POST /reload HTTP/1.1\r\n" + spoof + "Authorization: Bearer " + kToken +
          "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body, nullptr, false).value("version", 0), 2);
  EXPECT_FALSE(contains(everything(r), "evil.example")) << everything(r);
  EXPECT_EQ(get("/fresh").status, 200);
  for (const char* target : {"/stats", "/metrics", "/nope"}) {
    r = raw(std::string("GET ") + target + " HTTP/1.1\r\n" + spoof + "Authorization: Bearer " + kToken +
            "\r\nConnection: close\r\n\r\n");
    EXPECT_NE(r.status, 0) << target << ": " << r.body;
    EXPECT_FALSE(contains(everything(r), "evil.example")) << target << ": " << everything(r);
  }
}

}  // namespace
}  // namespace gateway::testing
