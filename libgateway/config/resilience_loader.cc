#include "libgateway/config/resilience_loader.h"

#include <algorithm>

#include <fmt/format.h>

namespace gateway {

namespace {

constexpr std::int64_t kMaxMs = 24LL * 3600 * 1000;

// A field that only some breaker modes read: present in another mode, it is an error (it
// would silently do nothing).
void onlyFor(JsonReader& r, std::string_view key, bool applies, std::string_view modes, FieldErrors& errors) {
  if (r.has(key) && !applies) errors.add(r.pathOf(key), fmt::format("only {} breakers use {}", modes, key));
}

}  // namespace

bool loadStatusSet(const nlohmann::json& value, const std::string& path, StatusSet& out, FieldErrors& errors) {
  if (!value.is_array()) {
    errors.add(path, fmt::format("expected an array of statuses, got {}", jsonTypeName(value)));
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto& v = value[i];
    if (v.is_number_integer() && v.get<std::int64_t>() >= 100 && v.get<std::int64_t>() <= 599) {
      out.codes.set(static_cast<std::size_t>(v.get<std::int64_t>()));
    } else if (v.is_string() && v.get<std::string>().size() == 3 && v.get<std::string>()[0] >= '1' &&
               v.get<std::string>()[0] <= '5' && v.get<std::string>().substr(1) == "xx") {
      out.addClass(v.get<std::string>()[0] - '0');
    } else {
      errors.add(childPath(path, i), "expected a status 100-599 or a class like \"5xx\"");
      ok = false;
    }
  }
  return ok;
}

void loadCircuitBreaker(const nlohmann::json& value, const std::string& path, CircuitBreakerConfig& cb,
                        FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return;
  static const std::vector<std::string_view> kModes = {"consecutive", "failure_rate", "hystrix"};
  const auto mode = r.choice("mode", kModes, true);
  if (!mode) {
    // Without a mode the other fields cannot be checked; mark them read to avoid noise.
    for (const auto& [k, _] : value.items()) r.any(k);
    r.finish();
    return;
  }
  cb.mode = *mode == "consecutive" ? BreakerMode::kConsecutive : *mode == "hystrix" ? BreakerMode::kHystrix : BreakerMode::kFailureRate;
  const bool consecutive = cb.mode == BreakerMode::kConsecutive;
  const bool rate = cb.mode == BreakerMode::kFailureRate;
  const bool hystrix = cb.mode == BreakerMode::kHystrix;
  // Each mode starts from the defaults of the system it follows (libgateway/SEMANTICS.md,
  // "Circuit breakers").
  if (consecutive) {
    cb.maxErrors = 5;
    cb.interval = seconds(60);
    cb.openDuration = seconds(60);
    cb.halfOpenCalls = 1;
  } else if (hystrix) {
    cb.window = BreakerWindow::kTime;
    cb.windowSize = 10;
    cb.bucketWidth = seconds(1);
    cb.minimumCalls = 20;
    cb.failureRateThreshold = 50;
    cb.slowCallRateThreshold = 100;
    cb.openDuration = seconds(5);
    cb.halfOpenCalls = 1;
  }
  onlyFor(r, "max_errors", consecutive, "consecutive", errors);
  onlyFor(r, "interval_ms", consecutive, "consecutive", errors);
  onlyFor(r, "window", rate, "failure_rate", errors);
  onlyFor(r, "window_size", rate || hystrix, "failure_rate and hystrix", errors);
  onlyFor(r, "bucket_ms", hystrix || rate, "failure_rate and hystrix", errors);
  onlyFor(r, "minimum_calls", rate || hystrix, "failure_rate and hystrix", errors);
  onlyFor(r, "failure_rate_threshold", rate || hystrix, "failure_rate and hystrix", errors);
  onlyFor(r, "slow_call_rate_threshold", rate, "failure_rate", errors);
  onlyFor(r, "slow_call_duration_ms", rate, "failure_rate", errors);

  if (auto v = r.integer("max_errors", 0, 1'000'000)) cb.maxErrors = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer("interval_ms", 0, kMaxMs)) cb.interval = millis(*v);
  if (auto w = r.choice("window", {"count", "time"})) {
    cb.window = *w == "time" ? BreakerWindow::kTime : BreakerWindow::kCount;
    if (cb.window == BreakerWindow::kTime) cb.windowSize = 60;  // Resilience4j: 60 one-second buckets
  }
  if (auto v = r.integer("window_size", 1, 100'000)) cb.windowSize = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer("bucket_ms", 1, kMaxMs)) {
    if (rate && cb.window != BreakerWindow::kTime) errors.add(r.pathOf("bucket_ms"), "only a time window has buckets");
    cb.bucketWidth = millis(*v);
  }
  if (auto v = r.integer("minimum_calls", 1, 1'000'000)) cb.minimumCalls = static_cast<std::uint32_t>(*v);
  if (auto v = r.number("failure_rate_threshold", 0.001, 100)) cb.failureRateThreshold = *v;
  if (auto v = r.number("slow_call_rate_threshold", 0.001, 100)) cb.slowCallRateThreshold = *v;
  if (auto v = r.integer("slow_call_duration_ms", 1, kMaxMs)) cb.slowCallDuration = millis(*v);
  if (auto v = r.integer("open_ms", 1, kMaxMs)) cb.openDuration = millis(*v);
  if (auto v = r.integer("half_open_calls", 1, 100'000)) cb.halfOpenCalls = static_cast<std::uint32_t>(*v);
  if (const auto* s = r.array("failure_statuses")) {
    StatusSet set;
    if (loadStatusSet(*s, r.pathOf("failure_statuses"), set, errors)) cb.failureStatuses = set;
  }
  if (rate && cb.window == BreakerWindow::kCount && cb.minimumCalls > cb.windowSize && r.has("minimum_calls")) {
    errors.add(r.pathOf("minimum_calls"),
               fmt::format("a count window of {} calls can never hold {} calls", cb.windowSize, cb.minimumCalls));
  }
  if (rate && cb.window == BreakerWindow::kCount && cb.minimumCalls > cb.windowSize && !r.has("minimum_calls")) {
    cb.minimumCalls = cb.windowSize;  // Resilience4j does the same
  }
  r.finish();
}

void loadOutlierDetection(const nlohmann::json& value, const std::string& path, OutlierDetectionConfig& od,
                          FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return;
  if (auto v = r.integer("consecutive_5xx", 0, 1'000'000)) od.consecutive5xx = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer("consecutive_gateway_failure", 0, 1'000'000)) od.consecutiveGatewayFailure = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer("interval_ms", 1, kMaxMs)) od.interval = millis(*v);
  if (auto v = r.integer("base_ejection_ms", 1, kMaxMs)) od.baseEjection = millis(*v);
  if (auto v = r.integer("max_ejection_ms", 1, kMaxMs)) od.maxEjection = millis(*v);
  if (auto v = r.integer("max_ejection_percent", 0, 100)) od.maxEjectionPercent = static_cast<std::uint32_t>(*v);
  if (od.maxEjection < od.baseEjection) {
    errors.add(r.pathOf(r.has("max_ejection_ms") ? "max_ejection_ms" : "base_ejection_ms"),
               "max_ejection_ms must be at least base_ejection_ms");
  }
  if (od.consecutive5xx == 0 && od.consecutiveGatewayFailure == 0) {
    errors.add(path, "consecutive_5xx and consecutive_gateway_failure are both 0: nothing would ever be ejected");
  }
  r.finish();
}

void loadConcurrency(const nlohmann::json& value, const std::string& path, ConcurrencyConfig& c, FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return;
  if (auto v = r.integer("max_requests", 1, 10'000'000)) c.maxRequests = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer("max_pending", 0, 10'000'000)) c.maxPending = static_cast<std::uint32_t>(*v);
  if (const auto* a = r.object("adaptive")) {
    JsonReader ar(*a, r.pathOf("adaptive"), errors);
    c.adaptive = true;
    ar.choice("algorithm", {"gradient2"}, true);
    if (auto v = ar.integer("min_limit", 1, 10'000'000)) c.minLimit = static_cast<std::uint32_t>(*v);
    if (auto v = ar.integer("initial_limit", 1, 10'000'000)) c.initialLimit = static_cast<std::uint32_t>(*v);
    if (auto v = ar.number("rtt_tolerance", 1.0, 100.0)) c.rttTolerance = *v;
    ar.finish();
    if (c.maxRequests == 0) errors.add(r.pathOf("max_requests"), "an adaptive limit needs max_requests as its ceiling");
    else if (c.minLimit > c.maxRequests) errors.add(childPath(r.pathOf("adaptive"), "min_limit"), "must be at most max_requests");
    c.initialLimit = std::clamp(c.initialLimit, c.minLimit, std::max(c.minLimit, c.maxRequests));
  }
  if (c.maxPending > 0 && c.maxRequests == 0) errors.add(r.pathOf("max_pending"), "requests only wait when max_requests is set");
  r.finish();
}

void loadRetryBudget(const nlohmann::json& value, const std::string& path, RetryBudgetConfig& b, FieldErrors& errors) {
  if (value.is_boolean()) {
    if (value.get<bool>()) errors.add(path, "true is the default; give an object to change it, or false to disable");
    b.enabled = value.get<bool>();
    return;
  }
  JsonReader r(value, path, errors);
  if (!r.isObject()) return;
  if (auto v = r.number("percent", 0, 100)) b.percent = *v;
  if (auto v = r.integer("min_concurrency", 0, 1'000'000)) b.minConcurrency = static_cast<std::uint32_t>(*v);
  r.finish();
}

void loadRetry(const nlohmann::json& value, const std::string& path, RetryConfig& rc, FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return;
  if (auto v = r.integer("max_retries", 0, 10, true)) rc.maxRetries = static_cast<std::uint32_t>(*v);
  if (const auto* on = r.array("retry_on")) {
    rc.retryOn = 0;
    static const std::vector<std::pair<std::string_view, std::uint32_t>> kConditions = {
        {"5xx", kRetryOn5xx}, {"gateway_error", kRetryOnGatewayError}, {"connect_failure", kRetryOnConnectFailure},
        {"reset", kRetryOnReset}, {"timeout", kRetryOnTimeout}};
    for (std::size_t i = 0; i < on->size(); ++i) {
      const auto& v = (*on)[i];
      const auto it = v.is_string() ? std::find_if(kConditions.begin(), kConditions.end(),
                                                   [&](const auto& c) { return c.first == v.get<std::string>(); })
                                    : kConditions.end();
      if (it == kConditions.end()) {
        errors.add(childPath(r.pathOf("retry_on"), i),
                   "expected one of: 5xx, gateway_error, connect_failure, reset, timeout");
        continue;
      }
      rc.retryOn |= it->second;
    }
  }
  if (const auto* s = r.array("retriable_statuses")) loadStatusSet(*s, r.pathOf("retriable_statuses"), rc.statuses, errors);
  if (auto v = r.integer("per_try_timeout_ms", 1, kMaxMs)) rc.perTryTimeout = millis(*v);
  if (const auto* b = r.object("backoff")) {
    JsonReader br(*b, r.pathOf("backoff"), errors);
    if (auto v = br.integer("base_ms", 0, kMaxMs)) rc.backoffBase = millis(*v);
    if (auto v = br.integer("max_ms", 0, kMaxMs)) rc.backoffMax = millis(*v);
    else if (br.has("base_ms")) rc.backoffMax = rc.backoffBase * 10;  // Envoy: 10x the base
    if (rc.backoffMax < rc.backoffBase) errors.add(br.pathOf("max_ms"), "must be at least base_ms");
    br.finish();
  }
  if (auto v = r.boolean("non_idempotent")) rc.nonIdempotent = *v;
  if (rc.retryOn == 0 && rc.statuses.codes.none() && rc.maxRetries > 0) {
    errors.add(r.pathOf("retry_on"), "nothing would be retried: give retry_on conditions or retriable_statuses");
  }
  r.finish();
}

}  // namespace gateway
