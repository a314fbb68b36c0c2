// gatewayd's "server" config section over real sockets: gatewayd started with only --config
// takes its addresses, threads and limits from the file; a flag given on the command line
// wins over the file; limits.max_connections closes connections over the cap and counts
// them; a reload cannot move the listener (it warns and keeps it) but changes the cap.
#include <csignal>
#include <filesystem>
#include <map>

#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class ServerConfigTest : public StackTest {
 protected:
  // The standard gateway with a server section on ephemeral loopback ports.
  json configWith(const json& limits) const {
    json config = standardGateway();
    config["server"] = {{"listen", "127.0.0.1:0"}, {"admin", "127.0.0.1:0"}, {"limits", limits}};
    return config;
  }

  // Starts gatewayd with --config and `extraArgs` only (no --listen / --admin flags).
  void startConfigOnly(const json& config, const std::vector<std::string>& extraArgs = {}) {
    stack_.writeGatewayConfig(config);
    std::vector<std::string> argv = {gatewaydPath(), "--config", stack_.gatewayConfigPath()};
    argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
    std::string error;
    process_ = ChildProcess::start(argv, stack_.dir().file("gatewayd-own.err"), error);
    ASSERT_TRUE(process_) << error;
    const auto line = process_->readLine(10s);
    ASSERT_TRUE(line) << "gatewayd printed no addresses; stderr: " << process_->stderrText();
    ready_ = json::parse(*line, nullptr, false);
    ASSERT_TRUE(ready_.is_object() && ready_.contains("listen")) << *line;
    gateway_ = ready_["listen"].get<std::string>();
    admin_ = ready_["admin"].get<std::string>();
  }

  json stats() { return json::parse(fetch(admin_, "GET", "/stats").body, nullptr, false); }

  // Polls /stats until the open client connections are `n`, within a few seconds.
  bool waitActive(std::uint64_t n) {
    const auto deadline = Clock::now() + 5s;
    while (Clock::now() < deadline) {
      const json s = stats();
      if (s.is_object() && s["connections"]["active"] == n) return true;
    }
    return false;
  }

  std::unique_ptr<ChildProcess> process_;
  json ready_;
  std::string gateway_, admin_;
};

TEST_F(ServerConfigTest, TheSectionAloneSetsAddressesThreadsAndLimits) {
  json config = configWith({{"max_url_bytes", 64}, {"max_header_bytes", 1024}});
  config["server"]["threads"] = 2;
  config["server"]["access_log"] = "access-own.log";  // relative: next to the config file
  startConfigOnly(config);
  EXPECT_NE(gateway_, "127.0.0.1:0");
  EXPECT_EQ(gateway_.rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(ready_["threads"], 2);

  EXPECT_EQ(fetch(gateway_, "GET", "/echo/short").status, 200);
  const HttpReply tooLong = fetch(gateway_, "GET", "/echo/" + std::string(100, 'u'));
  EXPECT_EQ(tooLong.status, 414) << tooLong.body;
  EXPECT_EQ(fetch(gateway_, "GET", "/echo/x", {{"X-Big", std::string(2000, 'h')}}).status, 431);
  EXPECT_TRUE(std::filesystem::exists(stack_.dir().file("access-own.log")));

  const json s = stats();
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["threads"], 2);
  EXPECT_EQ(s["server"]["limits"]["max_url_bytes"], 64);
  EXPECT_EQ(s["server"]["bound"]["listen"], gateway_);
  EXPECT_EQ(s["requests"]["rejected"]["414"], 1);
}

TEST_F(ServerConfigTest, AFlagGivenOnTheCommandLineWinsOverTheFile) {
  startConfigOnly(configWith({{"max_url_bytes", 64}, {"max_header_bytes", 1024}}), {"--max-url-bytes", "4096"});
  // The flag: a 200-byte target passes.
  EXPECT_EQ(fetch(gateway_, "GET", "/echo/" + std::string(200, 'u')).status, 200);
  // The file still sets what no flag names.
  EXPECT_EQ(fetch(gateway_, "GET", "/echo/x", {{"X-Big", std::string(2000, 'h')}}).status, 431);
  const json s = stats();
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["server"]["limits"]["max_url_bytes"], 4096);
  EXPECT_EQ(s["server"]["limits"]["max_header_bytes"], 1024);
  // And the default where neither says anything.
  EXPECT_EQ(s["server"]["limits"]["max_body_bytes"], 1024 * 1024);
}

TEST_F(ServerConfigTest, ConnectionsOverTheCapAreClosedAndCounted) {
  startConfigOnly(configWith({{"max_connections", 2}}));
  std::string error;
  auto first = HttpConnection::open(gateway_, error);
  ASSERT_TRUE(first) << error;
  auto second = HttpConnection::open(gateway_, error);
  ASSERT_TRUE(second) << error;
  // Answered: both are sessions of the gateway now, and stay open (keep-alive).
  auto r = first->request("GET", "/echo/one");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = second->request("GET", "/echo/two");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);

  // The third is accepted by the kernel and closed by the gateway at once, unanswered.
  auto third = HttpConnection::open(gateway_, error);
  ASSERT_TRUE(third) << error;
  third->send(buildRequest("GET", "/echo/three", "x"));
  EXPECT_FALSE(third->read(3000ms));
  EXPECT_TRUE(third->waitClosed(3000ms));

  const HttpReply metrics = fetch(admin_, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("\ngateway_connections_rejected_total 1\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("\ngateway_connections_active 2\n"), std::string::npos);
  json s = stats();
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["connections"]["rejected"], 1);
  EXPECT_EQ(s["connections"]["max"], 2);

  // The kept connections still work; once one closes, a new one is served.
  r = second->request("GET", "/echo/again");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  first.reset();
  ASSERT_TRUE(waitActive(1));
  EXPECT_EQ(fetch(gateway_, "GET", "/echo/four").status, 200);
  EXPECT_EQ(stats()["connections"]["rejected"], 1);
}

TEST_F(ServerConfigTest, ReloadKeepsTheListenerWarnsAndAppliesTheCap) {
  startConfigOnly(configWith(json::object()));
  json config = configWith({{"max_connections", 100}});
  const std::string elsewhere = "127.0.0.1:" + std::to_string(unusedPort());
  config["server"]["listen"] = elsewhere;
  config["server"]["threads"] = 3;
  stack_.writeGatewayConfig(config);

  const HttpReply r = fetch(admin_, "POST", "/reload");
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["version"], 2);
  std::map<std::string, std::string> warnings;
  for (const auto& w : body["warnings"]) warnings[w["path"]] = w["message"];
  EXPECT_EQ(warnings.size(), 2u) << r.body;
  EXPECT_EQ(warnings["/server/listen"], "changed from \"127.0.0.1:0\" to \"" + elsewhere +
                                            "\", which needs a restart; \"127.0.0.1:0\" stays in effect");
  EXPECT_EQ(warnings["/server/threads"], "changed from 1 to 3, which needs a restart; 1 stays in effect");

  // Still on the old listener, nothing on the new address; the cap applied live.
  EXPECT_EQ(fetch(gateway_, "GET", "/echo/still-here").status, 200);
  std::string error;
  EXPECT_FALSE(HttpConnection::open(elsewhere, error));
  const json s = stats();
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["config_version"], 2);
  EXPECT_EQ(s["threads"], 1);
  EXPECT_EQ(s["server"]["listen"], "127.0.0.1:0");
  EXPECT_EQ(s["server"]["limits"]["max_connections"], 100);

  // SIGHUP says the same on stderr.
  process_->signal(SIGHUP);
  const std::string line = "gatewayd: SIGHUP: warning: /server/listen: changed from \"127.0.0.1:0\"";
  const auto deadline = Clock::now() + 5s;
  bool warned = false;
  while (!warned && Clock::now() < deadline) warned = process_->stderrText().find(line) != std::string::npos;
  EXPECT_TRUE(warned) << process_->stderrText();
}

}  // namespace
}  // namespace gateway::testing
