// The dashboard's policy switches give configs the gateway loads: every switch of every
// shipped scenario, to every choice, applied as its JSON-pointer sets, loads without errors.
#include "tools/gwdash/model/policy_switch.h"

#include <algorithm>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "libgateway/config/config_loader.h"
#include "sim/scenario/scenario.h"
#include "tests/dash/dash_test_support.h"
#include "tools/gwdash/model/sim_session.h"

namespace gwdash {
namespace {

// Sets each pointer (null removes it), as a config change does.
nlohmann::json applySwitchChange(nlohmann::json config, const gwsim::ConfigChange& change) {
  for (const auto& [pointer, value] : change.set) {
    const nlohmann::json::json_pointer p(pointer);
    if (value.is_null()) {
      if (config.contains(p)) config.at(p.parent_pointer()).erase(p.back());
    } else {
      config[p] = value;
    }
  }
  return config;
}

nlohmann::json switchTestConfig(const std::string& scenario) {
  gateway::FieldErrors errors;
  const auto document = gwsim::readScenarioDocument(std::string(GATEWAY_SOURCE_DIR) + "/scenarios/" + scenario, errors);
  EXPECT_TRUE(document.has_value()) << errors.text();
  return document ? (*document)["gateway"] : nlohmann::json::object();
}

TEST(PolicySwitchTest, EverySwitchOfEveryScenarioGivesAConfigThatLoads) {
  std::size_t tried = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(GATEWAY_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".json") continue;
    const nlohmann::json config = switchTestConfig(entry.path().filename().string());
    for (const auto& target : policySwitches(config, config)) {
      for (const auto& choice : target.choices) {
        const auto change = switchPolicy(target, choice, config, config);
        if (choice == target.current) {
          EXPECT_TRUE(change.set.empty());
          continue;
        }
        ASSERT_FALSE(change.set.empty()) << target.label << " -> " << choice;
        const auto load = gateway::loadConfigJson(applySwitchChange(config, change));
        EXPECT_TRUE(load.ok()) << entry.path().filename() << ": " << target.label << " -> " << choice << "\n"
                               << load.errors.text();
        ++tried;
      }
    }
  }
  EXPECT_GT(tried, 40u);
}

TEST(PolicySwitchTest, OffersTheTierBreakerAndCacheOfTheirScenarios) {
  const nlohmann::json burst = switchTestConfig("boundary_burst.json");
  const auto burstSwitches = policySwitches(burst, burst);
  ASSERT_FALSE(burstSwitches.empty());
  EXPECT_EQ(burstSwitches[0].pointer, "/rate_limits/tiers/free");
  EXPECT_EQ(burstSwitches[0].current, "fixed_window");
  const auto toGcra = switchPolicy(burstSwitches[0], "gcra", burst, burst);
  ASSERT_EQ(toGcra.set.size(), 1u);
  EXPECT_EQ(toGcra.set[0].first, "/rate_limits/tiers/free/algorithm");
  EXPECT_EQ(toGcra.set[0].second, "gcra");

  const nlohmann::json outage = switchTestConfig("outage_with_breaker.json");
  const auto outageSwitches = policySwitches(outage, outage);
  const auto payments = std::find_if(outageSwitches.begin(), outageSwitches.end(),
                                     [](const PolicySwitch& s) { return s.label == "breaker: payments"; });
  ASSERT_NE(payments, outageSwitches.end());
  EXPECT_EQ(payments->pointer, "/services/0/circuit_breaker");
  EXPECT_EQ(payments->current, "failure_rate");
  const auto off = switchPolicy(*payments, "off", outage, outage);
  ASSERT_EQ(off.set.size(), 1u);
  EXPECT_TRUE(off.set[0].second.is_null());

  // Switched off and on again: the route gets the cache settings it started with.
  const nlohmann::json stampede = switchTestConfig("cache_stampede.json");
  const auto cacheSwitch = policySwitches(stampede, stampede).back();
  EXPECT_EQ(cacheSwitch.pointer, "/routes/0/cache");
  EXPECT_EQ(cacheSwitch.current, "on");
  const nlohmann::json without = applySwitchChange(stampede, switchPolicy(cacheSwitch, "off", stampede, stampede));
  const auto again = policySwitches(without, stampede).back();
  EXPECT_EQ(again.current, "off");
  const auto on = switchPolicy(again, "on", without, stampede);
  ASSERT_EQ(on.set.size(), 1u);
  EXPECT_EQ(on.set[0].second, stampede["routes"][0]["cache"]);
}

TEST(PolicySwitchTest, ARateAndBurstLimitSwitchedToAWindowGetsLimitAndWindow) {
  const nlohmann::json noisy = switchTestConfig("noisy_neighbour.json");
  const auto target = policySwitches(noisy, noisy).at(0);
  EXPECT_EQ(target.current, "gcra");
  const auto change = switchPolicy(target, "sliding_log", noisy, noisy);
  const nlohmann::json after = applySwitchChange(noisy, change);
  const auto& tier = after["rate_limits"]["tiers"]["standard"];
  EXPECT_EQ(tier["algorithm"], "sliding_log");
  EXPECT_EQ(tier["limit"], 60);
  EXPECT_EQ(tier["window_ms"], 1000);
  EXPECT_FALSE(tier.contains("rate"));
  EXPECT_FALSE(tier.contains("burst"));
}

// Applied live to a running session, against the config it runs (SimulationRun::configJson):
// every switch is accepted, goes on the timeline, and the run's config shows it.
TEST(PolicySwitchTest, EverySwitchAppliesLiveToARunningSession) {
  for (const std::string name : {"boundary_burst.json", "outage_with_breaker.json", "cache_stampede.json", "flash_crowd.json"}) {
    SCOPED_TRACE(name);
    auto opened = testing::openShippedSession(name);
    ASSERT_TRUE(opened);
    SimSession& session = *opened;
    session.advance(gateway::seconds(1));
    const nlohmann::json initial = session.scenario().gatewayJson;
    const auto switches = policySwitches(session.run().configJson(), initial);
    ASSERT_FALSE(switches.empty());
    for (std::size_t i = 0; i < switches.size(); ++i) {
      // Looked up again: each change alters the running config.
      const auto target = policySwitches(session.run().configJson(), initial)[i];
      const std::string choice = target.choices[0] == target.current ? target.choices[1] : target.choices[0];
      const auto before = session.timeline().size();
      const auto problems = session.changeConfig(switchPolicy(target, choice, session.run().configJson(), initial));
      EXPECT_TRUE(problems.empty()) << target.label << " -> " << choice << ": " << problems.front();
      EXPECT_EQ(session.timeline().size(), before + 1);
      session.advance(gateway::millis(500));  // the change takes effect 1 us after it was made
      EXPECT_EQ(policySwitches(session.run().configJson(), initial)[i].current, choice) << target.label;
    }
  }
}

}  // namespace
}  // namespace gwdash
