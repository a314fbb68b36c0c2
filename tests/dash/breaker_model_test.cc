// BreakerModel fed literal snapshots (the policy report's circuit_breakers shape, as in
// outage_with_breaker's gwsim --policy-state): configured breakers listed before any
// snapshot, the failure-rate series against the threshold, transitions taken from the
// snapshot's history once each (by the breaker's own transition count, even when the history
// window moved), consecutive mode's counts, and the digest.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "libgateway/config/config_loader.h"
#include "tools/gwdash/model/breaker_model.h"

namespace gwdash {
namespace {

using nlohmann::json;

std::shared_ptr<const gateway::Config> breakerTestConfig() {
  const json doc = json::parse(R"({
    "services": [
      {"name": "payments", "instances": [{"id": "payments-1", "address": "127.0.0.1:9401"}],
       "circuit_breaker": {"mode": "failure_rate", "window_size": 20, "minimum_calls": 10,
                           "failure_rate_threshold": 50, "open_ms": 5000, "half_open_calls": 3}},
      {"name": "ledger", "instances": [{"id": "ledger-1", "address": "127.0.0.1:9501"}],
       "circuit_breaker": {"mode": "consecutive", "max_errors": 3, "open_ms": 1000, "half_open_calls": 1}},
      {"name": "catalog", "instances": [{"id": "catalog-1", "address": "127.0.0.1:9101"}]}],
    "routes": [{"name": "pay", "match": {"prefix": "/"}, "service": "payments"}]
  })");
  const gateway::ConfigLoad load = gateway::loadConfigJson(doc);
  EXPECT_TRUE(load.ok()) << load.errors.text();
  return load.config;
}

const json kBreakerPaymentsConfig = {{"failure_rate_threshold", 50.0}, {"failure_statuses", {"5xx"}},
                                     {"half_open_calls", 3}, {"minimum_calls", 10}, {"mode", "failure_rate"},
                                     {"open_ms", 5000}, {"slow_call_duration_ms", 60000},
                                     {"slow_call_rate_threshold", 100.0}, {"window", "count"}, {"window_size", 20}};

json breakerTransition(const std::string& from, const std::string& to, std::int64_t atUs, const std::string& reason) {
  return {{"from", from}, {"to", to}, {"at_us", atUs}, {"reason", reason}};
}

json paymentsBreaker(const std::string& state, std::uint64_t calls, std::uint64_t failures, json history,
                     std::uint64_t transitions) {
  json rate = calls ? json(100.0 * static_cast<double>(failures) / static_cast<double>(calls)) : json(nullptr);
  return {{"state", state}, {"since_us", history.empty() ? 0 : history.back()["at_us"].get<std::int64_t>()},
          {"in_state_ms", 0}, {"open_until_us", nullptr}, {"calls", calls}, {"failures", failures}, {"slow", 0},
          {"failure_rate", rate}, {"slow_call_rate", calls ? json(0.0) : json(nullptr)}, {"trials_in_flight", 0},
          {"rejected", 0}, {"transitions", transitions}, {"config", kBreakerPaymentsConfig}, {"history", history}};
}

json ledgerBreaker(std::uint64_t failures) {
  return {{"state", "closed"}, {"since_us", 0}, {"calls", 0}, {"failures", failures}, {"slow", 0},
          {"failure_rate", nullptr}, {"slow_call_rate", nullptr}, {"transitions", 0}, {"history", json::array()},
          {"config", {{"mode", "consecutive"}, {"max_errors", 3}, {"interval_ms", 60000}, {"open_ms", 1000},
                      {"half_open_calls", 1}, {"failure_statuses", {"5xx"}}}}};
}

json breakerSnapshot(json payments, json ledger) {
  return {{"circuit_breakers", {{"payments", std::move(payments)}, {"ledger", std::move(ledger)}}}};
}

class BreakerModelTest : public ::testing::Test {
 protected:
  BreakerModelTest() { context.config = breakerTestConfig(); }
  DashboardContext context;
};

TEST_F(BreakerModelTest, ConfiguredBreakersBeforeAnySnapshot) {
  BreakerModel m;
  m.reset(context);
  ASSERT_EQ(m.breakers().size(), 2u);  // catalog has none
  const BreakerView* p = m.find("payments");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->state, "closed");
  EXPECT_EQ(p->mode, "failure_rate");
  EXPECT_DOUBLE_EQ(p->threshold(), 50.0);
  const BreakerView* l = m.find("ledger");
  ASSERT_NE(l, nullptr);
  EXPECT_TRUE(l->consecutive());
  EXPECT_DOUBLE_EQ(l->threshold(), 3.0);
  EXPECT_TRUE(p->samples.empty());
}

TEST_F(BreakerModelTest, FailureRateSeriesAndTransitionsWithReasons) {
  BreakerModel m;
  m.reset(context);
  const json opened = breakerTransition("closed", "open", 20089120, "failure rate 50.0% >= 50% over 20 calls");
  const json halfOpen = breakerTransition("open", "half_open", 25090701, "open for 5000 ms; admitting 3 trial calls");
  const json reopened = breakerTransition("half_open", "open", 25094228, "trial failure rate 100.0% >= 50% over 3 calls");
  m.onSnapshot(gateway::millis(20000), breakerSnapshot(paymentsBreaker("closed", 20, 8, json::array(), 0), ledgerBreaker(1)));
  m.onSnapshot(gateway::millis(20100), breakerSnapshot(paymentsBreaker("open", 20, 10, {opened}, 1), ledgerBreaker(2)));
  m.onSnapshot(gateway::millis(25100), breakerSnapshot(paymentsBreaker("open", 20, 10, {opened, halfOpen, reopened}, 3), ledgerBreaker(0)));
  m.onSnapshot(gateway::millis(25200), breakerSnapshot(paymentsBreaker("open", 20, 10, {opened, halfOpen, reopened}, 3), ledgerBreaker(0)));

  const BreakerView* p = m.find("payments");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->state, "open");
  ASSERT_EQ(p->samples.samples().size(), 4u);
  EXPECT_EQ(p->samples.samples()[0].at, gateway::millis(20000));
  EXPECT_DOUBLE_EQ(*p->samples.samples()[0].value.failureRate, 40.0);
  EXPECT_DOUBLE_EQ(*p->samples.samples()[1].value.failureRate, 50.0);
  EXPECT_EQ(p->samples.samples()[1].value.state, "open");
  ASSERT_EQ(p->history.size(), 3u);  // each transition once, though three snapshots carried the first
  EXPECT_EQ(p->history[0].number, 1u);
  EXPECT_EQ(p->history[0].to, "open");
  EXPECT_EQ(p->history[0].reason, "failure rate 50.0% >= 50% over 20 calls");
  EXPECT_EQ(p->history[2].at, 25094228);
  EXPECT_EQ(p->history[2].from, "half_open");

  const BreakerView* l = m.find("ledger");
  ASSERT_EQ(l->samples.samples().size(), 4u);
  EXPECT_FALSE(l->samples.samples()[1].value.failureRate.has_value());  // consecutive: counts, no rate
  EXPECT_EQ(l->samples.samples()[1].value.failures, 2u);
}

TEST_F(BreakerModelTest, HistoryWindowThatMovedOnKeepsNumbering) {
  BreakerModel m;
  m.reset(context);
  json history = json::array();
  for (int i = 0; i < 64; ++i) history.push_back(breakerTransition("a", "b", 1000 + i, fmt::format("r{}", i)));
  m.onSnapshot(gateway::millis(1), breakerSnapshot(paymentsBreaker("open", 0, 0, history, 64), ledgerBreaker(0)));
  // Two more transitions: the snapshot's 64 are now numbers 3..66.
  history.erase(history.begin(), history.begin() + 2);
  history.push_back(breakerTransition("b", "c", 2000, "r64"));
  history.push_back(breakerTransition("c", "d", 2001, "r65"));
  m.onSnapshot(gateway::millis(2), breakerSnapshot(paymentsBreaker("open", 0, 0, history, 66), ledgerBreaker(0)));
  const BreakerView* p = m.find("payments");
  ASSERT_EQ(p->history.size(), 66u);
  EXPECT_EQ(p->history.back().number, 66u);
  EXPECT_EQ(p->history.back().reason, "r65");
  EXPECT_EQ(p->history[63].reason, "r63");
}

TEST_F(BreakerModelTest, OldSamplesLeaveTheTwoMinuteWindow) {
  BreakerModel m;
  m.reset(context);
  for (int t = 0; t <= 1300; ++t) {
    m.onSnapshot(gateway::millis(100 * t), breakerSnapshot(paymentsBreaker("closed", 10, t % 10, json::array(), 0), ledgerBreaker(0)));
  }
  const auto& samples = m.find("payments")->samples.samples();
  EXPECT_EQ(samples.front().at, gateway::seconds(10));  // 130 s - 120 s
  EXPECT_EQ(samples.back().at, gateway::seconds(130));
}

TEST_F(BreakerModelTest, DigestFollowsTheFeed) {
  auto feed = [&](BreakerModel& m, std::uint64_t failures) {
    m.reset(context);
    for (int t = 1; t <= 10; ++t) m.onSnapshot(gateway::millis(100 * t), breakerSnapshot(paymentsBreaker("closed", 10, failures, json::array(), 0), ledgerBreaker(0)));
  };
  BreakerModel a, b, c;
  feed(a, 3);
  feed(b, 3);
  feed(c, 4);
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_NE(a.digest(), c.digest());
}

}  // namespace
}  // namespace gwdash
