// gwdash --attach against a real gatewayd and mock-services on ephemeral loopback ports: the
// admin API's /requests/recent (nothing before anyone watched, records after) and /config
// (secrets redacted, the new version after a reload), and AttachSource feeding a recording
// listener: reset with the config's routes, records with their routes, statuses, instances
// and the breaker's doing, snapshots with the breaker open, a reload as onConfig, a stalled
// gatewayd as a status that names it (and back), a restarted one as a reset, a dead URL as a
// clear error.
// Every wait is a bounded loop with a deadline; nothing asserts on timing.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <functional>

#include <nlohmann/json.hpp>

#include "tests/integration/stack_test.h"
#include "tools/gwdash/model/attach_source.h"

namespace gwdash {
namespace {

using gateway::testing::fetch;
using gateway::testing::HttpReply;
using nlohmann::json;
using namespace std::chrono_literals;

std::vector<std::string> attachRouteNames(const DashboardContext& context) {
  std::vector<std::string> names;
  if (context.config) {
    for (const auto& r : context.config->routes) names.push_back(r.name);
  }
  return names;
}

class AttachRecorder final : public DashboardListener {
 public:
  void reset(const DashboardContext& context) override {
    resets.push_back(attachRouteNames(context));
    records.clear();
    snapshots.clear();
  }
  void onRequest(const RequestRecord& record) override {
    records.push_back(record);
    unsnapshotted.push_back(record);
  }
  void onSnapshot(gateway::TimePoint now, const json& policies) override {
    if (!snapshots.empty() && now < snapshots.back().first) ++clockWentBack;
    for (const auto& r : unsnapshotted) lateRecords += r.end > now ? 1 : 0;
    unsnapshotted.clear();
    snapshots.emplace_back(now, policies);
  }
  void onConfig(const DashboardContext& context) override { configs.push_back(attachRouteNames(context)); }

  std::vector<std::vector<std::string>> resets, configs;
  std::vector<RequestRecord> records, unsnapshotted;
  std::vector<std::pair<gateway::TimePoint, json>> snapshots;
  int clockWentBack = 0;
  int lateRecords = 0;  // records delivered before a snapshot older than their end
};

class AttachSourceTest : public gateway::testing::StackTest {
 protected:
  std::string adminUrl() const { return "http://" + stack_.admin(); }

  // Polls `source` until `done` holds or 15 s pass; false on the deadline.
  static bool pollUntil(AttachSource& source, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (true) {
      source.poll();
      if (done()) return true;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return false;
      source.waitForRound(left);  // woken by the poller's next round, not by a timer
    }
  }

  json adminGet(const std::string& target) {
    const HttpReply r = fetch(stack_.admin(), "GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  json withSecrets() const {
    json config = standardGateway();
    config["consumers"] = json::array({{{"id", "acme"}, {"api_keys", json::array({"acme-key-very-secret-1"})}}});
    config["auth"] = {{"jwt",
                       {{"keys", json::array({{{"kid", "hs"},
                                               {"algorithms", json::array({"HS256"})},
                                               {"secret", "jwt-secret-that-must-not-leak-0123456789"}}})}}}};
    for (auto& s : config["services"]) {
      if (s["name"] == "orders") s["circuit_breaker"] = {{"mode", "consecutive"}, {"max_errors", 2}, {"open_ms", 60000}};
    }
    return config;
  }
};

TEST_F(AttachSourceTest, RecentRequestsAreRecordedOnlyOnceSomeoneWatches) {
  startGateway();
  for (int i = 0; i < 2; ++i) ASSERT_EQ(get("/api/users/1").status, 200);
  json first = adminGet("/requests/recent");
  EXPECT_EQ(first["requests"], json::array()) << "nobody watched: nothing recorded";
  EXPECT_EQ(first["last_id"], 0);
  EXPECT_EQ(first["watch_ms"], 10000);

  ASSERT_EQ(get("/api/users/7").status, 200);
  ASSERT_EQ(get("/nowhere").status, 404);
  json second = adminGet("/requests/recent?after=0");
  ASSERT_EQ(second["requests"].size(), 2u) << second.dump(2);
  EXPECT_EQ(second["last_id"], 2);
  EXPECT_EQ(second["truncated"], false);
  const json& users = second["requests"][0];
  EXPECT_EQ(users["id"], 1);
  EXPECT_EQ(users["route"], "users");
  EXPECT_EQ(users["target"], "/api/users/7");
  EXPECT_EQ(users["service"], "users");
  EXPECT_EQ(users["status"], 200);
  EXPECT_EQ(users["outcome"], "upstream");
  EXPECT_EQ(users["tries"], 1);
  EXPECT_GE(users["end_us"].get<std::int64_t>(), users["start_us"].get<std::int64_t>());
  EXPECT_EQ(second["requests"][1]["route"], "");
  EXPECT_EQ(second["requests"][1]["status"], 404);
  EXPECT_EQ(second["requests"][1]["outcome"], "no_route");

  json third = adminGet("/requests/recent?after=2");
  EXPECT_EQ(third["requests"], json::array());
  EXPECT_EQ(third["last_id"], 2);

  const HttpReply bad = fetch(stack_.admin(), "GET", "/requests/recent?after=two");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("after=\\\"two\\\""), std::string::npos) << bad.body;
  EXPECT_EQ(fetch(stack_.admin(), "POST", "/requests/recent").status, 405);
}

TEST_F(AttachSourceTest, ConfigIsTheRunningOneWithoutItsSecrets) {
  json config = withSecrets();
  startGateway(config);
  json shown = adminGet("/config");
  EXPECT_EQ(shown["config_version"], 1);
  const std::string text = shown.dump();
  EXPECT_EQ(text.find("acme-key-very-secret-1"), std::string::npos) << text;
  EXPECT_EQ(text.find("jwt-secret-that-must-not-leak"), std::string::npos) << text;
  EXPECT_EQ(shown["config"]["auth"]["jwt"]["keys"][0]["secret"], "(redacted)");
  EXPECT_EQ(shown["config"]["routes"].size(), config["routes"].size());
  EXPECT_EQ(shown["config"]["services"][0]["instances"], config["services"][0]["instances"]);

  config["routes"].push_back({{"name", "extra"}, {"match", {{"prefix", "/extra"}}}, {"service", "echo"}});
  stack_.writeGatewayConfig(config);
  ASSERT_EQ(fetch(stack_.admin(), "POST", "/reload").status, 200);
  shown = adminGet("/config");
  EXPECT_EQ(shown["config_version"], 2);
  EXPECT_EQ(shown["config"]["routes"].back()["name"], "extra");
  EXPECT_EQ(fetch(stack_.admin(), "DELETE", "/config").status, 405);
}

TEST_F(AttachSourceTest, FeedsTheListenersFromALiveGatewayd) {
  json config = withSecrets();
  startGateway(config);
  std::string error;
  auto source = AttachSource::connect(adminUrl(), error, AttachOptions{.period = 20ms, .timeout = 2000ms});
  ASSERT_TRUE(source) << error;
  EXPECT_EQ(source->context().title, adminUrl());
  AttachRecorder recorder;
  source->addListener(&recorder);
  ASSERT_EQ(recorder.resets.size(), 1u);
  EXPECT_EQ(recorder.resets[0], (std::vector<std::string>{"users", "orders", "products", "echo", "slow", "dead"}));

  // The first snapshot comes after the first read of /requests/recent: recording is on.
  ASSERT_TRUE(pollUntil(*source, [&] { return !recorder.snapshots.empty(); })) << source->status();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get("/api/users/" + std::to_string(i + 1)).status, 200);
  const HttpReply fault = fetch(stack_.mock("users"), "POST", "/_faults", {{"Content-Type", "application/json"}},
                                json({{"kind", "abort"}, {"service", "orders"}, {"status", 500}}).dump());
  ASSERT_EQ(fault.status, 201) << fault.body;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get("/api/orders?userId=1").status, 500);
  ASSERT_EQ(get("/api/orders?userId=1").status, 503);  // the breaker answers
  auto breakerOpen = [&] {
    for (const auto& [now, policies] : recorder.snapshots) {
      if (policies["circuit_breakers"]["orders"]["state"] == "open") return true;
    }
    return false;
  };
  ASSERT_TRUE(pollUntil(*source, [&] { return recorder.records.size() >= 7 && breakerOpen(); }))
      << recorder.records.size() << " records; " << source->status();

  ASSERT_EQ(recorder.records.size(), 7u);
  for (std::size_t i = 0; i < 3; ++i) {
    const RequestRecord& r = recorder.records[i];
    EXPECT_EQ(r.route, "users");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.service, "users");
    EXPECT_EQ(r.instance, "users-" + std::to_string(i + 1)) << "round robin";
  }
  int transitions = 0;
  for (std::size_t i = 3; i < 6; ++i) {
    EXPECT_EQ(recorder.records[i].route, "orders");
    EXPECT_EQ(recorder.records[i].status, 500);
    transitions += recorder.records[i].breakerTransition.rfind("closed->open", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(transitions, 1);
  const RequestRecord& rejected = recorder.records[6];
  EXPECT_EQ(rejected.status, 503);
  EXPECT_TRUE(rejected.circuitOpen);
  EXPECT_EQ(rejected.outcome, "circuit_open");
  for (std::size_t i = 1; i < recorder.records.size(); ++i) EXPECT_GT(recorder.records[i].id, recorder.records[i - 1].id);
  EXPECT_EQ(recorder.lateRecords, 0);
  EXPECT_EQ(recorder.clockWentBack, 0);
  EXPECT_EQ(source->now(), recorder.snapshots.back().first);
  EXPECT_TRUE(recorder.snapshots.back().second.contains("circuit_breakers"));
  EXPECT_EQ(source->recordsDelivered(), 7u);
  EXPECT_EQ(source->status().rfind("connected: ", 0), 0u) << source->status();

  // A reload reaches the listeners as onConfig (no reset: the run goes on).
  config["routes"].push_back({{"name", "extra"}, {"match", {{"prefix", "/extra"}}}, {"service", "echo"}});
  stack_.writeGatewayConfig(config);
  ASSERT_EQ(fetch(stack_.admin(), "POST", "/reload").status, 200);
  ASSERT_TRUE(pollUntil(*source, [&] { return !recorder.configs.empty(); })) << source->status();
  EXPECT_EQ(recorder.configs[0].back(), "extra");
  EXPECT_EQ(attachRouteNames(source->context()).back(), "extra");
  EXPECT_EQ(recorder.resets.size(), 1u);
}

TEST_F(AttachSourceTest, AStalledGatewaydIsAStatusAndItRecovers) {
  startGateway();
  std::string error;
  auto source = AttachSource::connect(adminUrl(), error, AttachOptions{.period = 20ms, .timeout = 300ms});
  ASSERT_TRUE(source) << error;
  ASSERT_TRUE(pollUntil(*source, [&] { return source->snapshotsDelivered() > 0; })) << source->status();
  stack_.gatewayProcess().signal(SIGSTOP);
  ASSERT_TRUE(pollUntil(*source, [&] { return source->status().find("no answer within 300 ms") != std::string::npos; }))
      << source->status();
  EXPECT_NE(source->status().find(stack_.admin()), std::string::npos) << source->status();
  stack_.gatewayProcess().signal(SIGCONT);
  ASSERT_TRUE(pollUntil(*source, [&] { return source->status().rfind("connected: ", 0) == 0; })) << source->status();
  const std::uint64_t before = source->snapshotsDelivered();
  ASSERT_TRUE(pollUntil(*source, [&] { return source->snapshotsDelivered() > before; })) << source->status();
}

TEST_F(AttachSourceTest, ARestartedGatewaydResetsTheListeners) {
  // Two gatewayd processes in turn on one admin port, as a restart does.
  const std::string admin = "127.0.0.1:" + std::to_string(gateway::testing::unusedPort());
  stack_.writeGatewayConfig(standardGateway());
  auto startOn = [&](std::string& listen) {
    std::string error;
    auto process = gateway::testing::ChildProcess::start(
        {gateway::testing::gatewaydPath(), "--config", stack_.gatewayConfigPath(), "--listen", "127.0.0.1:0", "--admin", admin},
        stack_.dir().file("restart.err"), error);
    EXPECT_TRUE(process) << error;
    if (!process) return process;
    const auto line = process->readLine(10s);
    const json ready = json::parse(line.value_or(""), nullptr, false);
    EXPECT_TRUE(ready.is_object() && ready.contains("listen")) << line.value_or("(no line)");
    if (ready.is_object() && ready.contains("listen")) listen = ready["listen"].get<std::string>();
    return process;
  };
  std::string listen;
  auto first = startOn(listen);
  ASSERT_TRUE(first && !listen.empty());
  std::string error;
  auto source = AttachSource::connect("http://" + admin, error, AttachOptions{.period = 20ms, .timeout = 1000ms});
  ASSERT_TRUE(source) << error;
  AttachRecorder recorder;
  source->addListener(&recorder);
  ASSERT_TRUE(pollUntil(*source, [&] { return !recorder.snapshots.empty(); })) << source->status();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(fetch(listen, "GET", "/api/users/1").status, 200);
  ASSERT_TRUE(pollUntil(*source, [&] { return recorder.records.size() == 3; })) << source->status();

  first->signal(SIGKILL);
  ASSERT_TRUE(first->wait(10s));
  ASSERT_TRUE(pollUntil(*source, [&] { return source->status().find("cannot connect") != std::string::npos; }))
      << source->status();
  auto second = startOn(listen);
  ASSERT_TRUE(second && !listen.empty());
  ASSERT_TRUE(pollUntil(*source, [&] { return recorder.resets.size() == 2 && !recorder.snapshots.empty(); }))
      << source->status();
  EXPECT_TRUE(recorder.records.empty()) << "the reset forgot the first process's requests";
  ASSERT_EQ(fetch(listen, "GET", "/api/users/2").status, 200);
  ASSERT_TRUE(pollUntil(*source, [&] { return recorder.records.size() == 1; })) << source->status();
  EXPECT_EQ(recorder.records[0].id, 1u) << "the new process's ids, read from the start";
  EXPECT_EQ(recorder.records[0].target, "/api/users/2");
}

TEST_F(AttachSourceTest, ADeadUrlIsAClearError) {
  std::string error;
  const std::string dead = "http://127.0.0.1:" + std::to_string(gateway::testing::unusedPort());
  EXPECT_FALSE(AttachSource::connect(dead, error));
  EXPECT_NE(error.find("cannot attach to " + dead), std::string::npos) << error;
  EXPECT_NE(error.find("GET /stats: cannot connect to"), std::string::npos) << error;
  EXPECT_NE(error.find("refused"), std::string::npos) << error;

  EXPECT_FALSE(AttachSource::connect("127.0.0.1:9901", error));
  EXPECT_NE(error.find("expected http://HOST:PORT"), std::string::npos) << error;

  // A server that is not gatewayd's admin API: mock-services answers /stats with 404.
  EXPECT_FALSE(AttachSource::connect("http://" + stack_.mock("users"), error));
  EXPECT_NE(error.find("GET /stats: status"), std::string::npos) << error;
}

}  // namespace
}  // namespace gwdash
