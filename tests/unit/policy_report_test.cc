// The policy report on a manual clock: breakers in each state (and one opened by requests
// through the Gateway), an ejected instance, a concurrency limiter with pending requests, a
// retry budget, rate-limit stores and upstream in-flight counts, each in the JSON snapshot and
// in the Prometheus text; the PolicyReporter extension point; and the text's well-formedness
// (one HELP and TYPE per family, samples under their family, no duplicate series).
#include "libgateway/pipeline/policy_report.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <set>
#include <sstream>

#include "libgateway/http/prometheus_text.h"
#include "test_support.h"

namespace gateway {
namespace {

using nlohmann::json;
using testing::GatewayHarness;
using testing::makeRequest;
using testing::mustLoad;

constexpr TimePoint kStart = seconds(100);

json instances(const std::string& service, int n) {
  json out = json::array();
  for (int i = 1; i <= n; ++i) out.push_back({{"id", fmt::format("{}-{}", service, i)}, {"address", fmt::format("10.0.0.{}:80", i)}});
  return out;
}

// One service per policy under test, so each section is checked on its own.
json fullConfig() {
  const json consecutive = {{"mode", "consecutive"}, {"max_errors", 1}, {"open_ms", 1000}, {"half_open_calls", 1}};
  return {{"services",
           {{{"name", "closed"}, {"instances", instances("closed", 1)}, {"circuit_breaker", consecutive}},
            {{"name", "open"}, {"instances", instances("open", 1)}, {"circuit_breaker", consecutive}},
            {{"name", "half"}, {"instances", instances("half", 1)}, {"circuit_breaker", consecutive}},
            {{"name", "rate"},
             {"instances", instances("rate", 1)},
             {"circuit_breaker", {{"mode", "failure_rate"}, {"window_size", 10}, {"minimum_calls", 5}}}},
            {{"name", "pool"},
             {"instances", instances("pool", 3)},
             {"outlier_detection", {{"consecutive_5xx", 2}, {"base_ejection_ms", 30000}, {"max_ejection_percent", 50}}}},
            {{"name", "capped"}, {"instances", instances("capped", 1)}, {"concurrency", {{"max_requests", 1}, {"max_pending", 2}}}},
            {{"name", "budget"}, {"instances", instances("budget", 1)}, {"retry_budget", {{"percent", 50}, {"min_concurrency", 1}}}},
            {{"name", "nobudget"}, {"instances", instances("nobudget", 1)}, {"retry_budget", false}}}},
          {"rate_limits", {{"policies", {{"two", {{"algorithm", "fixed_window"}, {"limit", 2}, {"window_ms", 1000}, {"key", "route"}}}}}}},
          {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "closed"}, {"rate_limit", {{"policies", {"two"}}}}}}}};
}

class PolicyReportTest : public ::testing::Test {
 protected:
  PolicyReportTest() : clock(kStart), shared(mustLoad(fullConfig())) {}

  ServiceRuntime& service(const std::string& name) {
    const auto runtime = shared.runtime();
    for (std::size_t i = 0; i < runtime->serviceCount(); ++i) {
      if (runtime->service(i).config->name == name) return runtime->service(i);
    }
    throw std::runtime_error("no service " + name);
  }
  // One failed call through `name`'s breaker at the clock's time.
  void fail(const std::string& name) {
    CircuitBreaker& b = *service(name).breaker;
    const BreakerPermit p = b.tryAcquire(clock.now());
    ASSERT_TRUE(p.admitted);
    b.onResult(p, true, millis(5), clock.now());
  }
  json snapshot() { return policySnapshot(shared, clock.now()); }
  std::string metrics() {
    std::string out;
    appendPolicyMetrics(shared, clock.now(), out);
    return out;
  }
  static bool has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

  ManualClock clock;
  SharedState shared;
};

TEST_F(PolicyReportTest, BreakersInEachState) {
  fail("open");
  fail("open");  // more than max_errors 1: open
  fail("half");
  fail("half");
  clock.advance(millis(400));
  EXPECT_FALSE(service("open").breaker->tryAcquire(clock.now()).admitted);  // rejected while open
  clock.advance(millis(700));  // half's (and open's) open_ms are up: the next call is a trial
  const BreakerPermit trial = service("half").breaker->tryAcquire(clock.now());
  ASSERT_TRUE(trial.trial);

  const json s = snapshot();
  EXPECT_EQ(s["now_us"], kStart + millis(1100));
  EXPECT_EQ(s["config_version"], 1);
  const json& cb = s["circuit_breakers"];
  ASSERT_EQ(cb.size(), 4u) << cb.dump(2);  // every configured breaker, nothing else
  EXPECT_EQ(cb["closed"]["state"], "closed");
  EXPECT_EQ(cb["closed"]["transitions"], 0);
  EXPECT_EQ(cb["closed"]["history"], json::array());
  EXPECT_TRUE(cb["closed"]["open_until_us"].is_null());

  const json& open = cb["open"];
  EXPECT_EQ(open["state"], "open");
  EXPECT_EQ(open["since_us"], kStart);
  EXPECT_EQ(open["in_state_ms"], 1100);
  EXPECT_EQ(open["open_until_us"], kStart + millis(1000));  // due: the next call moves it
  EXPECT_EQ(open["rejected"], 1);
  EXPECT_EQ(open["transitions"], 1);
  // interval_ms: the loader's default for consecutive mode.
  EXPECT_EQ(open["config"], json({{"mode", "consecutive"}, {"max_errors", 1}, {"interval_ms", 60000}, {"open_ms", 1000},
                                  {"half_open_calls", 1}, {"failure_statuses", {"5xx"}}}));
  ASSERT_EQ(open["history"].size(), 1u);
  EXPECT_EQ(open["history"][0], json({{"from", "closed"}, {"to", "open"}, {"at_us", kStart},
                                      {"reason", "2 consecutive failures (more than max_errors 1)"}}));

  const json& half = cb["half"];
  EXPECT_EQ(half["state"], "half_open");
  EXPECT_EQ(half["since_us"], kStart + millis(1100));
  EXPECT_EQ(half["trials_in_flight"], 1);
  EXPECT_EQ(half["transitions"], 2);
  ASSERT_EQ(half["history"].size(), 2u);
  EXPECT_EQ(half["history"][1]["to"], "half_open");

  EXPECT_EQ(cb["rate"]["config"]["mode"], "failure_rate");
  EXPECT_EQ(cb["rate"]["config"]["window"], "count");
  EXPECT_EQ(cb["rate"]["config"]["window_size"], 10);
  EXPECT_EQ(cb["rate"]["config"]["minimum_calls"], 5);
  EXPECT_FALSE(cb["rate"]["config"].contains("max_errors"));

  const std::string m = metrics();
  EXPECT_TRUE(has(m, "gateway_circuit_state{service=\"closed\"} 0"));
  EXPECT_TRUE(has(m, "gateway_circuit_state{service=\"open\"} 1"));
  EXPECT_TRUE(has(m, "gateway_circuit_state{service=\"half\"} 2"));
  EXPECT_TRUE(has(m, "gateway_circuit_rejected_total{service=\"open\"} 1"));
  EXPECT_TRUE(has(m, "gateway_circuit_transitions_total{service=\"half\"} 2"));
  EXPECT_TRUE(has(m, "gateway_circuit_trials_in_flight{service=\"half\"} 1"));
  EXPECT_FALSE(has(m, "gateway_circuit_state{service=\"pool\"} 0")) << "no breaker, no series";
}

TEST_F(PolicyReportTest, BreakerOpenedByRequestsThroughTheGateway) {
  GatewayHarness h(mustLoad({{"services", {{{"name", "pay"}, {"instances", instances("pay", 1)},
                                             {"circuit_breaker", {{"mode", "consecutive"}, {"max_errors", 2}, {"open_ms", 10000}}}}}},
                             {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "pay"}}}}}));
  h.faults.add(FaultRule::refuse("pay"));
  for (int i = 0; i < 4; ++i) {
    h.start(makeRequest("GET", "/x"));
    h.runDue();
  }
  const json b = policySnapshot(h.shared, h.clock.now())["circuit_breakers"]["pay"];
  EXPECT_EQ(b["state"], "open");
  EXPECT_EQ(b["rejected"], 1);  // the fourth request
  ASSERT_EQ(b["history"].size(), 1u);
  EXPECT_EQ(b["history"][0]["reason"], "3 consecutive failures (more than max_errors 2)");
}

TEST_F(PolicyReportTest, EjectedInstance) {
  OutlierDetector& d = *service("pool").outliers;
  d.onResult(1, CallHealth::kServerError, clock.now());
  d.onResult(1, CallHealth::kGatewayFailure, clock.now());
  d.onResult(2, CallHealth::kServerError, clock.now());

  json o = snapshot()["outlier_detection"];
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o["pool"]["ejected"], 1);
  EXPECT_EQ(o["pool"]["max_ejected"], 1);
  EXPECT_EQ(o["pool"]["config"]["base_ejection_ms"], 30000);
  EXPECT_EQ(o["pool"]["instances"]["pool-2"],
            json({{"ejected", true}, {"ejected_until_us", kStart + seconds(30)}, {"times_ejected", 1}, {"multiplier", 1},
                  {"consecutive_5xx", 0}, {"consecutive_gateway_failures", 0}}));
  EXPECT_EQ(o["pool"]["instances"]["pool-3"]["consecutive_5xx"], 1);
  EXPECT_EQ(o["pool"]["instances"]["pool-1"]["ejected"], false);
  std::string m = metrics();
  EXPECT_TRUE(has(m, "gateway_outlier_ejected{service=\"pool\",instance=\"pool-2\"} 1"));
  EXPECT_TRUE(has(m, "gateway_outlier_ejected{service=\"pool\",instance=\"pool-1\"} 0"));
  EXPECT_TRUE(has(m, "gateway_outlier_ejections_total{service=\"pool\",instance=\"pool-2\"} 1"));

  // Time up: readmitted in the report, though the detector readmits only on its next use;
  // reporting must not change it.
  clock.advance(seconds(30));
  o = snapshot()["outlier_detection"];
  EXPECT_EQ(o["pool"]["ejected"], 0);
  EXPECT_EQ(o["pool"]["instances"]["pool-2"]["ejected"], false);
  EXPECT_TRUE(o["pool"]["instances"]["pool-2"]["ejected_until_us"].is_null());
  EXPECT_TRUE(d.health(1).ejected);
  EXPECT_TRUE(has(metrics(), "gateway_outlier_ejected{service=\"pool\",instance=\"pool-2\"} 0"));
}

TEST_F(PolicyReportTest, ConcurrencyLimiterWithPendingRequests) {
  ConcurrencyLimiter& c = *service("capped").concurrency;
  ASSERT_TRUE(c.tryAcquire());
  ASSERT_FALSE(c.tryAcquire());
  ASSERT_TRUE(c.tryAddPending());
  ASSERT_TRUE(c.tryAddPending());
  ASSERT_FALSE(c.tryAddPending());  // the pending queue is full: rejected

  const json cc = snapshot()["concurrency"];
  ASSERT_EQ(cc.size(), 1u) << "only services with a cap";
  EXPECT_EQ(cc["capped"], json({{"limit", 1}, {"in_flight", 1}, {"pending", 2}, {"rejected", 1}, {"max_requests", 1},
                                {"max_pending", 2}, {"adaptive", false}}));
  const std::string m = metrics();
  EXPECT_TRUE(has(m, "gateway_concurrency_limit{service=\"capped\"} 1"));
  EXPECT_TRUE(has(m, "gateway_concurrency_in_flight{service=\"capped\"} 1"));
  EXPECT_TRUE(has(m, "gateway_concurrency_pending{service=\"capped\"} 2"));
  EXPECT_TRUE(has(m, "gateway_concurrency_rejected_total{service=\"capped\"} 1"));
}

TEST_F(PolicyReportTest, RetryBudget) {
  const std::shared_ptr<RetryBudget>& budget = service("budget").retryBudget;
  std::vector<RetryBudget::RequestGuard> requests;
  for (int i = 0; i < 4; ++i) requests.emplace_back(budget);
  auto first = RetryBudget::tryRetry(budget);
  auto second = RetryBudget::tryRetry(budget);
  ASSERT_TRUE(first && second);
  ASSERT_FALSE(RetryBudget::tryRetry(budget));  // 50% of 4 active requests: 2

  const json rb = snapshot()["retry_budgets"];
  EXPECT_EQ(rb.size(), 8u) << "every service has one";
  EXPECT_EQ(rb["budget"], json({{"enabled", true}, {"percent", 50.0}, {"min_concurrency", 1}, {"active_requests", 4},
                                {"active_retries", 2}, {"allowed", 2}, {"exhausted", 1}}));
  EXPECT_EQ(rb["nobudget"]["enabled"], false);
  EXPECT_TRUE(rb["nobudget"]["allowed"].is_null());
  const std::string m = metrics();
  EXPECT_TRUE(has(m, "gateway_retry_budget_active_requests{service=\"budget\"} 4"));
  EXPECT_TRUE(has(m, "gateway_retry_budget_active_retries{service=\"budget\"} 2"));
  EXPECT_TRUE(has(m, "gateway_retry_budget_allowed_retries{service=\"budget\"} 2"));
  EXPECT_TRUE(has(m, "gateway_retry_budget_exhausted_total{service=\"budget\"} 1"));
  EXPECT_EQ(m.find("gateway_retry_budget_allowed_retries{service=\"nobudget\"}"), std::string::npos) << "unlimited";
}

TEST_F(PolicyReportTest, RateLimitStoresAndInFlightCounts) {
  LimiterStore& store = *shared.runtime()->route(0).limiters.at(0).store;
  for (int i = 0; i < 3; ++i) store.decide("r", clock.now());
  service("pool").inFlight->increment(2);

  const json s = snapshot();
  const json& st = s["rate_limits"]["policy:two"];
  std::set<std::string> keys;
  for (const auto& [k, v] : st.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"algorithm", "keys", "max_keys", "shards", "allowed", "denied", "evicted_idle",
                                         "evicted_active", "overflow_denied", "bytes"}));
  EXPECT_EQ(st["algorithm"], "fixed_window");
  EXPECT_EQ(st["keys"], 1);
  EXPECT_EQ(st["allowed"], 2);
  EXPECT_EQ(st["denied"], 1);
  EXPECT_GT(st["bytes"].get<std::int64_t>(), 0);
  EXPECT_EQ(s["upstream_instances"]["pool"]["pool-3"], json({{"address", "10.0.0.3:80"}, {"in_flight", 1}}));
  EXPECT_EQ(s["upstream_instances"]["pool"]["pool-1"]["in_flight"], 0);

  const std::string m = metrics();
  EXPECT_TRUE(has(m, "gateway_ratelimit_keys{store=\"policy:two\"} 1"));
  EXPECT_TRUE(has(m, "gateway_ratelimit_store_decisions_total{store=\"policy:two\",result=\"allowed\"} 2"));
  EXPECT_TRUE(has(m, "gateway_ratelimit_store_decisions_total{store=\"policy:two\",result=\"denied\"} 1"));
  EXPECT_TRUE(has(m, "gateway_upstream_requests_in_flight{service=\"pool\",instance=\"pool-3\"} 1"));
}

// What a later stage (a response cache, say) would register.
class FakeCacheReporter final : public PolicyReporter {
 public:
  explicit FakeCacheReporter(std::string name = "cache") : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  void snapshot(TimePoint now, json& out) const override { out = {{"entries", 3}, {"at_us", now}}; }
  void metrics(TimePoint, std::string& out) const override {
    appendFamilyHeader(out, "gateway_cache_entries", "Responses in the cache.", "gauge");
    appendSample(out, "gateway_cache_entries", prometheusLabels({{"store", "default"}}), 3);
  }

 private:
  std::string name_;
};

TEST_F(PolicyReportTest, ReporterAddsItsSectionAndMetrics) {
  EXPECT_TRUE(shared.addReporter(std::make_shared<FakeCacheReporter>()));
  EXPECT_FALSE(shared.addReporter(std::make_shared<FakeCacheReporter>())) << "a name is taken once";
  EXPECT_FALSE(shared.addReporter(std::make_shared<FakeCacheReporter>("circuit_breakers"))) << "built-in section";
  EXPECT_FALSE(shared.addReporter(nullptr));
  EXPECT_EQ(shared.reporters().size(), 1u);

  const json s = snapshot();
  EXPECT_EQ(s["cache"], json({{"entries", 3}, {"at_us", kStart}}));
  EXPECT_EQ(s["circuit_breakers"].size(), 4u) << "built-in sections unchanged";
  const std::string m = metrics();
  const auto cache = m.find("# HELP gateway_cache_entries ");
  ASSERT_NE(cache, std::string::npos);
  EXPECT_GT(cache, m.find("# HELP gateway_ratelimit_overflow_denied_total ")) << "after the built-in families";
  EXPECT_TRUE(has(m, "gateway_cache_entries{store=\"default\"} 3"));

  // Kept across a reload.
  shared.install(mustLoad(fullConfig()));
  EXPECT_TRUE(snapshot().contains("cache"));
}

// A minimal exposition-format checker: every sample line belongs to the family whose # TYPE
// came last, HELP and TYPE appear once per family, no series repeats, values are numbers,
// counters end in _total and nothing else does.
void expectWellFormed(const std::string& text) {
  std::map<std::string, int> help, type;
  std::map<std::string, std::string> types;
  std::set<std::string> series;
  std::string family;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    ASSERT_FALSE(line.empty()) << "blank line";
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      ++help[name];
      family = name;
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      const std::string rest = line.substr(7);
      const std::string name = rest.substr(0, rest.find(' '));
      EXPECT_EQ(name, family) << "TYPE without its HELP: " << line;
      ++type[name];
      types[name] = rest.substr(rest.find(' ') + 1);
      continue;
    }
    const auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    const std::string id = line.substr(0, space);
    const std::string name = id.substr(0, id.find('{'));
    EXPECT_EQ(name, family) << "sample outside its family: " << line;
    EXPECT_TRUE(series.insert(id).second) << "duplicate series: " << id;
    std::size_t used = 0;
    EXPECT_NO_THROW((void)std::stod(line.substr(space + 1), &used)) << line;
    EXPECT_EQ(used, line.size() - space - 1) << line;
    if (id.find('{') != std::string::npos) {
      EXPECT_EQ(id.back(), '}') << line;
    }
  }
  for (const auto& [name, n] : help) {
    EXPECT_EQ(n, 1) << "HELP repeated for " << name;
    EXPECT_EQ(type[name], 1) << "TYPE missing or repeated for " << name;
    const bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(types[name] == "counter", total) << name << " is a " << types[name];
  }
}

TEST_F(PolicyReportTest, PrometheusTextIsWellFormed) {
  fail("open");
  fail("open");
  service("pool").outliers->onResult(0, CallHealth::kServerError, clock.now());
  service("pool").outliers->onResult(0, CallHealth::kServerError, clock.now());
  ASSERT_TRUE(service("capped").concurrency->tryAcquire());
  shared.runtime()->route(0).limiters.at(0).store->decide("k", clock.now());
  ASSERT_TRUE(shared.addReporter(std::make_shared<FakeCacheReporter>()));
  const std::string m = metrics();
  expectWellFormed(m);
  for (const char* family : {"gateway_circuit_state", "gateway_circuit_transitions_total", "gateway_circuit_rejected_total",
                             "gateway_upstream_requests_in_flight", "gateway_outlier_ejected", "gateway_concurrency_limit",
                             "gateway_retry_budget_exhausted_total", "gateway_ratelimit_keys", "gateway_cache_entries"}) {
    EXPECT_NE(m.find(fmt::format("# TYPE {} ", family)), std::string::npos) << family;
  }
  // The existing families keep their help texts word for word.
  EXPECT_NE(m.find("# HELP gateway_circuit_state Circuit breaker state by service: 0 closed, 1 open, 2 half-open.\n"),
            std::string::npos);
  EXPECT_NE(m.find("# HELP gateway_upstream_requests_in_flight Requests in flight per upstream instance.\n"),
            std::string::npos);
}

TEST(PrometheusText, LabelsAreEscaped) {
  EXPECT_EQ(prometheusLabels({{"a", "x\"y"}, {"b", "back\\slash\nline"}}), R"(a="x\"y",b="back\\slash\nline")");
  std::string out;
  appendSample(out, "m", "", 1.5);
  appendSample(out, "m", "a=\"1\"", std::uint64_t{7});
  EXPECT_EQ(out, "m 1.5\nm{a=\"1\"} 7\n");
}

}  // namespace
}  // namespace gateway
