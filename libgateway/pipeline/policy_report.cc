#include "libgateway/pipeline/policy_report.h"

#include <optional>
#include <vector>

#include "libgateway/http/prometheus_text.h"

namespace gateway {

namespace {

using nlohmann::json;

// Everything the report shows, read once per policy; the JSON and the metrics are both
// written from it, so the two can never disagree on what a field means.
struct ServiceState {
  const ServiceConfig* config = nullptr;
  std::string labels;                       // service="x"
  std::vector<std::string> instanceLabels;  // service="x",instance="y"
  std::vector<std::int64_t> inFlight;       // per instance
  const CircuitBreaker* breaker = nullptr;
  BreakerSnapshot breakerState;
  std::vector<BreakerTransition> breakerHistory;  // JSON only
  const OutlierDetector* outliers = nullptr;
  std::vector<InstanceHealth> health;
  std::vector<bool> ejectedNow;  // health[i].ejected and its time not up at `now`
  const ConcurrencyLimiter* concurrency = nullptr;
  std::uint32_t limit = 0, concurrencyInFlight = 0, pending = 0;
  std::uint64_t concurrencyRejected = 0;
  const RetryBudget* budget = nullptr;
  std::int64_t activeRequests = 0, activeRetries = 0;
  std::optional<std::int64_t> allowedRetries;  // none when the budget is disabled
  std::uint64_t exhausted = 0;
};

struct StoreState {
  std::string id;
  std::string labels;  // store="x"
  std::string_view algorithm;
  LimiterStoreStats stats;
};

struct PolicyState {
  std::shared_ptr<const GatewayRuntime> runtime;  // keeps the configs the rows point into alive
  std::vector<ServiceState> services;             // config order
  std::vector<StoreState> stores;                 // by id
};

PolicyState collect(const SharedState& shared, TimePoint now, bool withHistory) {
  PolicyState state;
  state.runtime = shared.runtime();
  for (const auto& [id, store] : shared.limiters().all()) {
    state.stores.push_back({id, prometheusLabels({{"store", id}}), toString(store->spec().algorithm), store->stats()});
  }
  for (std::size_t s = 0; s < state.runtime->serviceCount(); ++s) {
    const ServiceRuntime& sr = state.runtime->service(s);
    ServiceState& st = state.services.emplace_back();
    st.config = sr.config;
    st.labels = prometheusLabels({{"service", sr.config->name}});
    for (std::size_t i = 0; i < sr.config->instances.size(); ++i) {
      st.instanceLabels.push_back(prometheusLabels({{"service", sr.config->name}, {"instance", sr.config->instances[i].id}}));
      st.inFlight.push_back(sr.inFlight->get(i));
    }
    if (sr.breaker) {
      st.breaker = sr.breaker.get();
      st.breakerState = sr.breaker->snapshot(now);
      if (withHistory) st.breakerHistory = sr.breaker->history();
    }
    if (sr.outliers) {
      st.outliers = sr.outliers.get();
      for (std::size_t i = 0; i < sr.config->instances.size(); ++i) {
        // The detector readmits lazily, on the next request; the report shows the truth at
        // `now` without changing the detector's state.
        st.health.push_back(sr.outliers->health(i));
        st.ejectedNow.push_back(st.health.back().ejected && now < st.health.back().ejectedUntil);
      }
    }
    if (sr.concurrency) {
      st.concurrency = sr.concurrency.get();
      st.limit = sr.concurrency->limit();
      st.concurrencyInFlight = sr.concurrency->inFlight();
      st.pending = sr.concurrency->pending();
      st.concurrencyRejected = sr.concurrency->rejected();
    }
    if (sr.retryBudget) {
      st.budget = sr.retryBudget.get();
      st.activeRequests = sr.retryBudget->activeRequests();
      st.activeRetries = sr.retryBudget->activeRetries();
      if (sr.retryBudget->config().enabled) st.allowedRetries = sr.retryBudget->allowed();
      st.exhausted = sr.retryBudget->exhausted();
    }
  }
  return state;
}

// "5xx" for a whole class, else each code: the way failure_statuses is written in a config.
json statusList(const StatusSet& set) {
  json out = json::array();
  for (int hundreds = 1; hundreds <= 5; ++hundreds) {
    int present = 0;
    for (int code = hundreds * 100; code < hundreds * 100 + 100; ++code) present += set.contains(code);
    if (present == 100) {
      out.push_back(std::to_string(hundreds) + "xx");
      continue;
    }
    for (int code = hundreds * 100; present > 0 && code < hundreds * 100 + 100; ++code) {
      if (set.contains(code)) out.push_back(code);
    }
  }
  return out;
}

// The breaker's config in the config file's own field names, only those its mode uses.
json breakerConfig(const CircuitBreakerConfig& c) {
  json out = {{"mode", toString(c.mode)},
              {"open_ms", c.openDuration / kMillisecond},
              {"half_open_calls", c.halfOpenCalls},
              {"failure_statuses", statusList(c.failureStatuses)}};
  if (c.mode == BreakerMode::kConsecutive) {
    out["max_errors"] = c.maxErrors;
    out["interval_ms"] = c.interval / kMillisecond;
    return out;
  }
  out["window"] = c.window == BreakerWindow::kTime ? "time" : "count";
  out["window_size"] = c.windowSize;
  if (c.window == BreakerWindow::kTime) out["bucket_ms"] = c.bucketWidth / kMillisecond;
  out["minimum_calls"] = c.minimumCalls;
  out["failure_rate_threshold"] = c.failureRateThreshold;
  if (c.mode == BreakerMode::kFailureRate) {
    out["slow_call_rate_threshold"] = c.slowCallRateThreshold;
    out["slow_call_duration_ms"] = c.slowCallDuration / kMillisecond;
  }
  return out;
}

// The window's failure (or slow-call) rate in percent, as the breaker judges it: Hystrix's
// is a whole number. Null in consecutive mode (no window) and while the window is empty.
json windowRate(const CircuitBreakerConfig& c, std::uint64_t part, std::uint64_t calls) {
  if (c.mode == BreakerMode::kConsecutive || calls == 0) return nullptr;
  if (c.mode == BreakerMode::kHystrix) return static_cast<double>(part * 100 / calls);
  return 100.0 * static_cast<double>(part) / static_cast<double>(calls);
}

json breakerJson(const ServiceState& s, TimePoint now) {
  const BreakerSnapshot& b = s.breakerState;
  const CircuitBreakerConfig& c = s.breaker->config();
  json history = json::array();
  for (const auto& t : s.breakerHistory) {
    history.push_back({{"from", toString(t.from)}, {"to", toString(t.to)}, {"at_us", t.at}, {"reason", t.reason}});
  }
  return {{"state", toString(b.state)},
          {"since_us", b.since},
          {"in_state_ms", (now - b.since) / kMillisecond},
          {"open_until_us", b.state == BreakerState::kOpen ? json(b.since + c.openDuration) : json(nullptr)},
          {"calls", b.calls},
          {"failures", b.failures},
          {"slow", b.slow},
          {"failure_rate", windowRate(c, b.failures, b.calls)},
          {"slow_call_rate", c.mode == BreakerMode::kFailureRate ? windowRate(c, b.slow, b.calls) : json(nullptr)},
          {"trials_in_flight", b.trialsInFlight},
          {"rejected", b.rejected},
          {"transitions", b.transitions},
          {"config", breakerConfig(c)},
          {"history", std::move(history)}};
}

json outlierJson(const ServiceState& s) {
  const OutlierDetectionConfig& c = s.outliers->config();
  json instances = json::object();
  std::size_t ejected = 0;
  for (std::size_t i = 0; i < s.health.size(); ++i) {
    const InstanceHealth& h = s.health[i];
    ejected += s.ejectedNow[i];
    instances[s.config->instances[i].id] = {{"ejected", static_cast<bool>(s.ejectedNow[i])},
                                            {"ejected_until_us", s.ejectedNow[i] ? json(h.ejectedUntil) : json(nullptr)},
                                            {"times_ejected", h.timesEjected},
                                            {"multiplier", h.multiplier},
                                            {"consecutive_5xx", h.consecutive5xx},
                                            {"consecutive_gateway_failures", h.consecutiveGatewayFailures}};
  }
  return {{"ejected", ejected},
          {"max_ejected", s.outliers->maxEjected()},
          {"config",
           {{"consecutive_5xx", c.consecutive5xx},
            {"consecutive_gateway_failure", c.consecutiveGatewayFailure},
            {"interval_ms", c.interval / kMillisecond},
            {"base_ejection_ms", c.baseEjection / kMillisecond},
            {"max_ejection_ms", c.maxEjection / kMillisecond},
            {"max_ejection_percent", c.maxEjectionPercent}}},
          {"instances", std::move(instances)}};
}

json concurrencyJson(const ServiceState& s) {
  const ConcurrencyConfig& c = s.concurrency->config();
  json out = {{"limit", s.limit},
              {"in_flight", s.concurrencyInFlight},
              {"pending", s.pending},
              {"rejected", s.concurrencyRejected},
              {"max_requests", c.maxRequests},
              {"max_pending", c.maxPending},
              {"adaptive", c.adaptive}};
  if (c.adaptive) {
    out["min_limit"] = c.minLimit;
    out["initial_limit"] = c.initialLimit;
    out["rtt_tolerance"] = c.rttTolerance;
  }
  return out;
}

json budgetJson(const ServiceState& s) {
  const RetryBudgetConfig& c = s.budget->config();
  return {{"enabled", c.enabled},
          {"percent", c.percent},
          {"min_concurrency", c.minConcurrency},
          {"active_requests", s.activeRequests},
          {"active_retries", s.activeRetries},
          {"allowed", s.allowedRetries ? json(*s.allowedRetries) : json(nullptr)},
          {"exhausted", s.exhausted}};
}

// One family with one sample per service that has a value (`value` returns an optional).
template <typename Value>
void serviceFamily(std::string& out, const PolicyState& state, std::string_view name, std::string_view help,
                   std::string_view type, Value value) {
  appendFamilyHeader(out, name, help, type);
  for (const auto& s : state.services) {
    if (const auto v = value(s)) appendSample(out, name, s.labels, *v);
  }
}

// The same, one sample per instance: `value(service, index)`.
template <typename Value>
void instanceFamily(std::string& out, const PolicyState& state, std::string_view name, std::string_view help,
                    std::string_view type, Value value) {
  appendFamilyHeader(out, name, help, type);
  for (const auto& s : state.services) {
    for (std::size_t i = 0; i < s.instanceLabels.size(); ++i) {
      if (const auto v = value(s, i)) appendSample(out, name, s.instanceLabels[i], *v);
    }
  }
}

template <typename Value>
void storeFamily(std::string& out, const PolicyState& state, std::string_view name, std::string_view help,
                 std::string_view type, Value value) {
  appendFamilyHeader(out, name, help, type);
  for (const auto& s : state.stores) appendSample(out, name, s.labels, value(s.stats));
}

template <typename T>
std::optional<T> when(bool present, T value) {
  return present ? std::optional<T>(value) : std::nullopt;
}

}  // namespace

nlohmann::json policySnapshot(const SharedState& shared, TimePoint now) {
  const PolicyState state = collect(shared, now, true);
  json stores = json::object();
  for (const auto& s : state.stores) {
    const LimiterStoreStats& st = s.stats;
    stores[s.id] = {{"algorithm", s.algorithm},         {"keys", st.keys},
                    {"max_keys", st.maxKeys},           {"shards", st.shards},
                    {"allowed", st.allowed},            {"denied", st.denied},
                    {"evicted_idle", st.evictedIdle},   {"evicted_active", st.evictedActive},
                    {"overflow_denied", st.overflowDenied}, {"bytes", st.bytes}};
  }
  json breakers = json::object(), outliers = json::object(), concurrency = json::object();
  json budgets = json::object(), instances = json::object();
  for (const auto& s : state.services) {
    const std::string& name = s.config->name;
    if (s.breaker) breakers[name] = breakerJson(s, now);
    if (s.outliers) outliers[name] = outlierJson(s);
    if (s.concurrency) concurrency[name] = concurrencyJson(s);
    if (s.budget) budgets[name] = budgetJson(s);
    json perInstance = json::object();
    for (std::size_t i = 0; i < s.inFlight.size(); ++i) {
      const InstanceConfig& ic = s.config->instances[i];
      perInstance[ic.id] = {{"address", ic.address}, {"in_flight", s.inFlight[i]}};
    }
    instances[name] = std::move(perInstance);
  }
  json out = {{"now_us", now},
              {"unix_time_offset_us", shared.unixTimeOffset()},
              {"config_version", shared.version()},
              {"rate_limits", std::move(stores)},
              {"circuit_breakers", std::move(breakers)},
              {"outlier_detection", std::move(outliers)},
              {"concurrency", std::move(concurrency)},
              {"retry_budgets", std::move(budgets)},
              {"upstream_instances", std::move(instances)}};
  for (const auto& reporter : shared.reporters()) {
    json section;
    reporter->snapshot(now, section);
    if (!section.is_null()) out[std::string(reporter->name())] = std::move(section);
  }
  return out;
}

void appendPolicyMetrics(const SharedState& shared, TimePoint now, std::string& out) {
  const PolicyState state = collect(shared, now, false);
  using S = const ServiceState&;

  // Circuit breakers (libgateway/SEMANTICS.md, "Metrics"): state as 0 closed, 1 open, 2 half-open.
  serviceFamily(out, state, "gateway_circuit_state", "Circuit breaker state by service: 0 closed, 1 open, 2 half-open.",
                "gauge", [](S s) { return when(s.breaker, static_cast<int>(s.breakerState.state)); });
  serviceFamily(out, state, "gateway_circuit_transitions_total", "Circuit breaker state changes by service.", "counter",
                [](S s) { return when(s.breaker, s.breakerState.transitions); });
  serviceFamily(out, state, "gateway_circuit_rejected_total",
                "Requests an open breaker answered 503 without calling upstream.", "counter",
                [](S s) { return when(s.breaker, s.breakerState.rejected); });
  serviceFamily(out, state, "gateway_circuit_window_calls",
                "Calls in the circuit breaker's window (failure_rate and hystrix modes).", "gauge",
                [](S s) { return when(s.breaker, s.breakerState.calls); });
  serviceFamily(out, state, "gateway_circuit_window_failures",
                "Failed calls in the circuit breaker's window (consecutive mode: consecutive failures).", "gauge",
                [](S s) { return when(s.breaker, s.breakerState.failures); });
  serviceFamily(out, state, "gateway_circuit_window_slow_calls", "Slow calls in the circuit breaker's window.", "gauge",
                [](S s) { return when(s.breaker, s.breakerState.slow); });
  serviceFamily(out, state, "gateway_circuit_trials_in_flight", "Half-open trial calls in flight.", "gauge",
                [](S s) { return when(s.breaker, s.breakerState.trialsInFlight); });

  instanceFamily(out, state, "gateway_upstream_requests_in_flight", "Requests in flight per upstream instance.", "gauge",
                 [](S s, std::size_t i) { return std::optional(s.inFlight[i]); });

  instanceFamily(out, state, "gateway_outlier_ejected",
                 "1 while outlier detection keeps the instance out of load balancing, else 0.", "gauge",
                 [](S s, std::size_t i) { return s.outliers ? std::optional(s.ejectedNow[i] ? 1 : 0) : std::nullopt; });
  instanceFamily(out, state, "gateway_outlier_ejections_total", "Times outlier detection ejected the instance.",
                 "counter", [](S s, std::size_t i) { return s.outliers ? std::optional(s.health[i].timesEjected) : std::nullopt; });

  serviceFamily(out, state, "gateway_concurrency_limit", "Requests a service may have in flight upstream (adaptive: the current limit).",
                "gauge", [](S s) { return when(s.concurrency, s.limit); });
  serviceFamily(out, state, "gateway_concurrency_in_flight", "Requests holding a concurrency slot.", "gauge",
                [](S s) { return when(s.concurrency, s.concurrencyInFlight); });
  serviceFamily(out, state, "gateway_concurrency_pending", "Requests waiting for a concurrency slot.", "gauge",
                [](S s) { return when(s.concurrency, s.pending); });
  serviceFamily(out, state, "gateway_concurrency_rejected_total",
                "Requests refused because every slot and pending place was taken.", "counter",
                [](S s) { return when(s.concurrency, s.concurrencyRejected); });

  serviceFamily(out, state, "gateway_retry_budget_active_requests", "Requests to the service counted by its retry budget.",
                "gauge", [](S s) { return when(s.budget, s.activeRequests); });
  serviceFamily(out, state, "gateway_retry_budget_active_retries", "Retries to the service in flight.", "gauge",
                [](S s) { return when(s.budget, s.activeRetries); });
  serviceFamily(out, state, "gateway_retry_budget_allowed_retries",
                "Concurrent retries the budget allows now (enabled budgets only).", "gauge",
                [](S s) { return s.allowedRetries; });
  serviceFamily(out, state, "gateway_retry_budget_exhausted_total", "Retries not made because the budget was spent.",
                "counter", [](S s) { return when(s.budget, s.exhausted); });

  storeFamily(out, state, "gateway_ratelimit_keys", "Keys a rate-limit store tracks now.", "gauge",
              [](const LimiterStoreStats& s) { return s.keys; });
  storeFamily(out, state, "gateway_ratelimit_max_keys", "Keys a rate-limit store may track.", "gauge",
              [](const LimiterStoreStats& s) { return s.maxKeys; });
  storeFamily(out, state, "gateway_ratelimit_store_bytes", "Memory a rate-limit store holds now.", "gauge",
              [](const LimiterStoreStats& s) { return s.bytes; });
  // Two series per store: `result` and `reason` split one count, so sum() over them means something.
  appendFamilyHeader(out, "gateway_ratelimit_store_decisions_total", "Decisions of a rate-limit store by result.",
                     "counter");
  for (const auto& s : state.stores) {
    appendSample(out, "gateway_ratelimit_store_decisions_total", s.labels + ",result=\"allowed\"", s.stats.allowed);
    appendSample(out, "gateway_ratelimit_store_decisions_total", s.labels + ",result=\"denied\"", s.stats.denied);
  }
  appendFamilyHeader(out, "gateway_ratelimit_evictions_total",
                     "Keys a rate-limit store dropped: idle (state back to fresh) or active (state lost).", "counter");
  for (const auto& s : state.stores) {
    appendSample(out, "gateway_ratelimit_evictions_total", s.labels + ",reason=\"idle\"", s.stats.evictedIdle);
    appendSample(out, "gateway_ratelimit_evictions_total", s.labels + ",reason=\"active\"", s.stats.evictedActive);
  }
  storeFamily(out, state, "gateway_ratelimit_overflow_denied_total",
              "New keys denied because the store's shard was full of keys it could not evict.", "counter",
              [](const LimiterStoreStats& s) { return s.overflowDenied; });

  for (const auto& reporter : shared.reporters()) reporter->metrics(now, out);
}

}  // namespace gateway
