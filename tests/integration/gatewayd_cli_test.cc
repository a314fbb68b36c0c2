// gatewayd's command line keeps the exit-code table (libgateway/core/exit_code.h): 0 for
// --help, --version, a valid --check and a clean stop; 1 for a --check whose settings are
// valid but whose access log cannot be written; 2 for every bad flag, value or config,
// before anything is bound (listen and admin on one address from flags, from the file, or one
// from each; a gwsim scenario given as the config gets a hint); 3 when it cannot start (a
// port in use, an access log it cannot open). And the access log is off unless one is named.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/config_loader.h"
#include "libgateway/core/version.h"
#include "tests/integration/child_process.h"
#include "tests/integration/cli_exit.h"
#include "tests/integration/gateway_stack.h"
#include "tests/integration/http_client.h"
#include "tests/integration/loopback_listener.h"
#include "tests/integration/temp_dir.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;


class GatewaydCliTest : public ::testing::Test {
 protected:
  // A valid config: one service (nothing listens there; gatewayd does not connect at start).
  static json config(const json& server = nullptr) {
    json c = {{"services", json::array({{{"name", "s"}, {"instances", json::array({"127.0.0.1:9"})}}})},
              {"routes", json::array({{{"name", "all"}, {"match", {{"prefix", "/"}}}, {"service", "s"}}})}};
    if (!server.is_null()) c["server"] = server;
    return c;
  }
  std::string write(const json& c, const std::string& name = "gateway.json") { return dir_.write(name, c.dump(2)); }

  CliResult run(std::vector<std::string> args) {
    args.insert(args.begin(), gatewaydPath());
    return runToExit(args, dir_.file("gatewayd.err"));
  }

  TempDir dir_;
};

TEST_F(GatewaydCliTest, HelpAndVersionExitZero) {
  const CliResult help = run({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_TRUE(contains(help.out, "--check")) << help.out;
  EXPECT_TRUE(contains(help.out, "Exit status")) << help.out;
  const CliResult version = run({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.out, "gatewayd " + std::string(gateway::version()) + "\n");
}

TEST_F(GatewaydCliTest, BadFlagsExitTwoWithTheFlagNamed) {
  const std::string path = write(config());
  const CliResult unknown = run({"--config", path, "--bogus"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_TRUE(contains(unknown.err, "gatewayd: The following argument was not expected: --bogus")) << unknown.err;
  EXPECT_TRUE(contains(unknown.err, "gatewayd --help")) << unknown.err;

  const CliResult noConfig = run({"--bogus"});  // the unknown flag is named before the missing --config
  EXPECT_EQ(noConfig.code, 2);
  EXPECT_TRUE(contains(noConfig.err, "--bogus")) << noConfig.err;

  const CliResult none = run({});
  EXPECT_EQ(none.code, 2);
  EXPECT_TRUE(contains(none.err, "gatewayd: --config FILE is required")) << none.err;

  for (const std::string value : {"0", "abc", "1000"}) {
    const CliResult threads = run({"--config", path, "--threads", value});
    EXPECT_EQ(threads.code, 2) << value;
    EXPECT_TRUE(contains(threads.err, "gatewayd: --threads:")) << threads.err;
  }
  const CliResult address = run({"--config", path, "--listen", "8081"});
  EXPECT_EQ(address.code, 2);
  EXPECT_TRUE(contains(address.err, "gatewayd: --listen: bad address \"8081\"")) << address.err;
  const CliResult emptyLog = run({"--config", path, "--access-log", ""});
  EXPECT_EQ(emptyLog.code, 2);
  EXPECT_TRUE(contains(emptyLog.err, "--access-log: must not be empty")) << emptyLog.err;
}

TEST_F(GatewaydCliTest, AMissingOrMalformedConfigExitsTwo) {
  const CliResult missing = run({"--config", dir_.file("nope.json")});
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(contains(missing.err, "gatewayd: --config: File does not exist")) << missing.err;

  const CliResult malformed = run({"--config", dir_.write("bad.json", "{\"services\": [")});
  EXPECT_EQ(malformed.code, 2);
  EXPECT_TRUE(contains(malformed.err, "line")) << malformed.err;
  EXPECT_TRUE(contains(malformed.err, "nothing was started")) << malformed.err;

  json c = config();
  c["routes"][0]["service"] = "missing";
  const CliResult invalid = run({"--config", write(c)});
  EXPECT_EQ(invalid.code, 2);
  EXPECT_TRUE(contains(invalid.err, "/routes/0/service")) << invalid.err;
}

TEST_F(GatewaydCliTest, AScenarioFileGetsOneHintNotItsUnknownFields) {
  const std::string scenario = std::string(GATEWAY_SOURCE_DIR) + "/scenarios/backend_outage.json";
  for (const bool check : {false, true}) {
    std::vector<std::string> args = {"--config", scenario};
    if (check) args.push_back("--check");
    const CliResult r = run(args);
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "this looks like a gwsim scenario")) << r.err;
    EXPECT_TRUE(contains(r.err, "its \"gateway\" section is a gatewayd config")) << r.err;
    EXPECT_FALSE(contains(r.err, "unknown field")) << r.err;
  }
  // The hint is right: that section, on its own, is a valid config.
  std::string text, why;
  ASSERT_TRUE(readTextFile(scenario, text, why)) << why;
  const json doc = json::parse(text);
  const CliResult section = run({"--config", write(doc["gateway"], "section.json"), "--check"});
  EXPECT_EQ(section.code, 0) << section.err;
}

TEST_F(GatewaydCliTest, ListenEqualToAdminExitsTwoWhereverEachCameFrom) {
  const std::string plain = write(config(), "plain.json");
  // Both as flags: refused before either is bound (not "address already in use").
  const CliResult flags = run({"--config", plain, "--listen", "127.0.0.1:18090", "--admin", "127.0.0.1:18090"});
  EXPECT_EQ(flags.code, 2);
  EXPECT_TRUE(contains(flags.err, "gatewayd: --admin: the same address as listen (\"127.0.0.1:18090\", from --listen)"))
      << flags.err;
  EXPECT_FALSE(contains(flags.err, "in use")) << flags.err;

  // One from the file, one from a flag, either way round.
  const std::string file = write(config({{"listen", "127.0.0.1:18091"}, {"admin", "127.0.0.1:18092"}}));
  const CliResult admin = run({"--config", file, "--admin", "127.0.0.1:18091"});
  EXPECT_EQ(admin.code, 2);
  EXPECT_TRUE(contains(admin.err, "gatewayd: --admin: the same address as listen (\"127.0.0.1:18091\", from "
                                  "/server/listen in " + file + ")"))
      << admin.err;
  const CliResult listen = run({"--config", file, "--listen", "localhost:18092"});
  EXPECT_EQ(listen.code, 2);
  EXPECT_TRUE(contains(listen.err, "gatewayd: --listen: \"localhost:18092\" overlaps admin (\"127.0.0.1:18092\""))
      << listen.err;
  // A flag against the built-in default (admin 127.0.0.1:9901).
  const CliResult dflt = run({"--config", plain, "--listen", "0.0.0.0:9901", "--check"});
  EXPECT_EQ(dflt.code, 2);
  EXPECT_TRUE(contains(dflt.err, "overlaps admin (\"127.0.0.1:9901\", from the default)")) << dflt.err;

  // Both in the file: the loader's message, at its path.
  const std::string both = write(config({{"listen", "127.0.0.1:18093"}, {"admin", "127.0.0.1:18093"}}), "both.json");
  const CliResult fromFile = run({"--config", both});
  EXPECT_EQ(fromFile.code, 2);
  EXPECT_TRUE(contains(fromFile.err, "/server/admin: the same address as listen")) << fromFile.err;
}

TEST_F(GatewaydCliTest, CheckValidatesTheFileWithEveryFlagLaidOverIt) {
  const std::string file = write(config({{"listen", "127.0.0.1:18094"}, {"admin", "127.0.0.1:18095"}}));
  const CliResult ok = run({"--config", file, "--check"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "gatewayd: " + file +
                        ": ok (listen 127.0.0.1:18094, admin 127.0.0.1:18095, 1 thread(s), no access log)\n");
  const CliResult overridden = run({"--config", file, "--threads", "3", "--listen", "127.0.0.1:0", "--check"});
  EXPECT_EQ(overridden.code, 0) << overridden.err;
  EXPECT_TRUE(contains(overridden.out, "listen 127.0.0.1:0, admin 127.0.0.1:18095, 3 thread(s)")) << overridden.out;

  // The file alone is valid; a flag makes the merged settings invalid.
  const CliResult badAddress = run({"--config", file, "--listen", "8081", "--check"});
  EXPECT_EQ(badAddress.code, 2);
  EXPECT_TRUE(contains(badAddress.err, "--listen: bad address \"8081\"")) << badAddress.err;
  EXPECT_EQ(badAddress.out, "");
  const CliResult clash = run({"--config", file, "--listen", "127.0.0.1:18095", "--check"});
  EXPECT_EQ(clash.code, 2);
  EXPECT_TRUE(contains(clash.err, "--listen: the same address as admin")) << clash.err;
  const CliResult badLimit = run({"--config", file, "--max-header-bytes", "10", "--check"});
  EXPECT_EQ(badLimit.code, 2);
  EXPECT_TRUE(contains(badLimit.err, "--max-header-bytes")) << badLimit.err;
}

TEST_F(GatewaydCliTest, AnAccessLogThatCannotBeWrittenFailsTheCheckWithOneAndTheStartWithThree) {
  const std::string file = write(config({{"listen", "127.0.0.1:0"}, {"admin", "127.0.0.1:0"}}));
  const std::string nowhere = dir_.file("no-such-dir/access.log");
  const CliResult check = run({"--config", file, "--access-log", nowhere, "--check"});
  EXPECT_EQ(check.code, 1);
  EXPECT_TRUE(contains(check.err, "the settings are valid, but cannot create access log \"" + nowhere + "\""))
      << check.err;
  const CliResult start = run({"--config", file, "--access-log", nowhere});
  EXPECT_EQ(start.code, 3);
  EXPECT_TRUE(contains(start.err, "cannot open access log \"" + nowhere + "\"")) << start.err;
  // A writable one passes the check, and the check creates nothing.
  const CliResult fine = run({"--config", file, "--access-log", dir_.file("access.log"), "--check"});
  EXPECT_EQ(fine.code, 0) << fine.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("access.log")));
}

TEST_F(GatewaydCliTest, APortInUseExitsThree) {
  LoopbackListener taken(1);
  const std::string busy = "127.0.0.1:" + std::to_string(taken.port());
  const std::string file = write(config());
  const CliResult listen = run({"--config", file, "--listen", busy, "--admin", "127.0.0.1:0"});
  EXPECT_EQ(listen.code, 3);
  EXPECT_TRUE(contains(listen.err, "cannot listen on " + busy)) << listen.err;
  const CliResult admin = run({"--config", file, "--listen", "127.0.0.1:0", "--admin", busy});
  EXPECT_EQ(admin.code, 3);
  EXPECT_TRUE(contains(admin.err, "admin: cannot listen on " + busy)) << admin.err;
  // --check binds nothing, so it does not see the port taken.
  EXPECT_EQ(run({"--config", file, "--listen", busy, "--check"}).code, 0);
}

// Starts gatewayd on free ports with `extra` flags, answers one request, stops it with
// SIGTERM (exit 0) and returns everything it printed on stdout.
std::string serveOneRequest(const TempDir& dir, const std::string& config, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {gatewaydPath(), "--config", config, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  std::string error;
  auto child = ChildProcess::start(argv, dir.file("serve.err"), error);
  if (!child) return "start: " + error;
  const auto ready = child->readLine(10s);
  if (!ready) return "no ready line: " + child->stderrText();
  std::string out = *ready + "\n";
  const json bound = json::parse(*ready, nullptr, false);
  if (!bound.is_object() || !bound.contains("listen")) return out;
  fetch(bound["listen"].get<std::string>(), "GET", "/anything");  // 502: nothing listens upstream
  child->signal(SIGTERM);
  while (auto line = child->readLine(10s)) out += *line + "\n";
  if (child->wait(10s) != 0) out += "exit status not 0: " + child->stderrText();
  return out;
}

TEST_F(GatewaydCliTest, TheAccessLogIsOffUnlessNamed) {
  const std::string file = write(config());
  const std::string quiet = serveOneRequest(dir_, file, {});
  EXPECT_EQ(std::count(quiet.begin(), quiet.end(), '\n'), 1) << quiet;  // the ready line only
  EXPECT_TRUE(contains(quiet, "\"listen\":\"127.0.0.1:")) << quiet;
  const std::string logged = serveOneRequest(dir_, file, {"--access-log", "-"});
  EXPECT_EQ(std::count(logged.begin(), logged.end(), '\n'), 2) << logged;
  EXPECT_TRUE(contains(logged, "\"target\":\"/anything\"")) << logged;
  EXPECT_FALSE(contains(logged, "exit status")) << logged;
}

TEST_F(GatewaydCliTest, TheExampleConfigIsValidAndLogsNothingToTheTerminal) {
  const std::string example = std::string(GATEWAY_SOURCE_DIR) + "/tools/gatewayd/example.json";
  const CliResult r = run({"--config", example, "--check"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "no access log")) << r.out;
}

}  // namespace
}  // namespace gateway::testing
