#include "libgateway/pipeline/rate_limit_stage.h"

#include "libgateway/http/json_escape.h"
#include "libgateway/pipeline/cluster_limit_report.h"
#include "libgateway/pipeline/limit_walk.h"
#include "libgateway/pipeline/shared_state.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace gateway {

std::int64_t ceilSeconds(Duration d) { return d <= 0 ? 0 : (d + kSecond - 1) / kSecond; }

namespace {

void appendInt(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

}  // namespace

std::string rateLimitPolicyItem(std::string_view name, const LimiterSpec& spec) {
  std::string item;
  item += '"';
  item += name;
  item += "\";q=";
  if (spec.algorithm == LimiterAlgorithm::kConcurrency) {
    appendInt(item, spec.limit);
    item += ";qu=\"concurrent-requests\"";  // the draft's unit for in-flight limits; no window
    return item;
  }
  // The sustained rate, `units` requests per `period` microseconds, and `full`: the requests
  // that fill the limiter (its burst, its window's limit; at least one).
  const bool window = usesWindow(spec.algorithm);
  const __int128 units = window ? spec.limit : spec.rateMilli;
  const __int128 period = window ? spec.window : 1000 * kSecond;
  const __int128 full = window ? spec.limit : std::max<std::int64_t>(1, spec.burst);
  // w: the time the rate takes to deliver `full`, in whole seconds rounded up (the draft has no
  // sub-second windows), at least 1. q: what the rate delivers in w, rounded down (never more
  // than the limiter allows over time).
  const __int128 perW = units * kSecond;
  const __int128 w = std::max<__int128>(1, (full * period + perW - 1) / perW);
  const auto q = static_cast<std::int64_t>(perW * w / period);
  appendInt(item, q);
  item += ";w=";
  appendInt(item, static_cast<std::int64_t>(w));
  // What may pass at once when q does not say it (a leaky bucket delays instead).
  const std::int64_t atOnce = window ? spec.limit : spec.algorithm == LimiterAlgorithm::kLeakyBucket ? 0 : spec.burst;
  if (atOnce > 0 && atOnce != q) {
    item += ";gw-burst=";
    appendInt(item, atOnce);
  }
  return item;
}

namespace {

// `policy` and `state` are the caller's buffers, reused from request to request.
void addHeaders(const std::vector<AppliedLimit>& applied, RateLimitHeaders mode, Headers& out,
                std::string& policy, std::string& state) {
  if (applied.empty() || mode == RateLimitHeaders::kNone) return;
  if (mode == RateLimitHeaders::kDraft || mode == RateLimitHeaders::kBoth) {
    policy.clear();
    state.clear();
    for (const auto& a : applied) {
      if (a.unknown) continue;  // the cluster store did not answer: no count to tell
      const LimiterSpec& s = a.policy->spec;
      const Duration t = a.decision.allowed ? a.decision.resetAfter : a.decision.retryAfter;
      if (!policy.empty()) {
        policy.append(", ", 2);
        state.append(", ", 2);
      }
      policy += a.limiter->draftPolicyItem;
      state.push_back('"');
      state += a.policy->name;
      state.append("\";r=", 4);
      appendInt(state, std::max<std::int64_t>(0, a.decision.remaining));
      if (t != kNever && s.algorithm != LimiterAlgorithm::kConcurrency) {
        state.append(";t=", 3);
        appendInt(state, ceilSeconds(t));
      }
    }
    if (!policy.empty()) {
      out.set("RateLimit-Policy", policy);
      out.set("RateLimit", state);
    }
  }
  if (mode == RateLimitHeaders::kLegacy || mode == RateLimitHeaders::kBoth) {
    // One limit can be told in the legacy form: the one closest to denying.
    const AppliedLimit* tight = nullptr;
    for (const auto& a : applied) {
      if (a.unknown) continue;
      if (!tight || !a.decision.allowed || a.decision.remaining < tight->decision.remaining) tight = &a;
      if (!a.decision.allowed) break;
    }
    if (!tight) return;
    const Duration t = tight->decision.allowed ? tight->decision.resetAfter : tight->decision.retryAfter;
    char buf[24];
    auto number = [&buf](std::int64_t v) {
      return std::string_view(buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
    };
    out.set("X-RateLimit-Limit", number(tight->policy->spec.quota()));
    out.set("X-RateLimit-Remaining", number(std::max<std::int64_t>(0, tight->decision.remaining)));
    if (t != kNever) out.set("X-RateLimit-Reset", number(ceilSeconds(t)));
  }
}

}  // namespace

StageSpec RateLimitStage::spec() {
  return {"rate_limit", {},
          [](const StageSetup& setup) -> std::unique_ptr<Stage> {
            // Reports only while the running config names a Redis (a reload may add or drop one).
            setup.shared.addReporter(std::make_shared<ClusterLimitReport>(setup.shared));  // once: later calls add nothing
            return std::make_unique<RateLimitStage>(setup.env);
          },
          [](const RouteConfig& route, std::size_t) { return route.rateLimit.perConsumer || !route.rateLimit.policies.empty(); }};
}

namespace {

// Ends the walk of an exchange paused for a cluster decision: answers it, or lets it go on (a
// leaky bucket's delay resumes it later instead).
void finishPaused(Env& env, Resumer& resumer, std::vector<AppliedLimit>& applied, WalkStep step) {
  std::string policyText, stateText;
  std::optional<Response> answer = finishLimits(env, *resumer.exchange(), applied, step, policyText, stateText, &resumer);
  if (answer) resumer.answer(std::move(*answer));
  else if (resumer.pending() && !resumer.exchange()->rateLimit().delay) resumer.resume();
}

}  // namespace

std::optional<Response> RateLimitStage::onRequest(Exchange& ex) {
  const RouteRuntime& route = ex.runtime->route(ex.routeIndex);
  if (!route.perConsumer && route.limiters.empty()) return std::nullopt;
  std::vector<AppliedLimit>& applied = applied_;
  applied.clear();
  std::size_t k = 0;
  const LimitSequence limits = limitsOf(ex);
  const WalkStep step = walkLimits(env_, ex, limits, applied, k, keyBuffer_);
  if (step == WalkStep::kAsk) {
    // A cluster-wide limit: the request waits here for the store's answer.
    askCluster(env_, ex.pause(), limits, applied, k, keyBuffer_, finishPaused);
    return std::nullopt;
  }
  return finishLimits(env_, ex, applied, step, policyText_, stateText_, nullptr);
}

std::optional<Response> finishLimits(Env& env, Exchange& ex, const std::vector<AppliedLimit>& applied, WalkStep step,
                                     std::string& policyText, std::string& stateText, Resumer* paused) {
  if (applied.empty()) return std::nullopt;
  RateLimitRecord& record = ex.rateLimit();
  const RateLimitsConfig& rl = ex.runtime->config().rateLimits;
  const AppliedLimit& last = applied.back();
  record.policy = &last.policy->name;
  record.remaining = last.decision.remaining;
  record.retryAfter = last.decision.retryAfter;
  addHeaders(applied, rl.headers, record.headers, policyText, stateText);
  if (step != WalkStep::kDenied) {
    if (record.delay > 0) {
      // A queueing limiter (leaky bucket) admitted the request for later: hold it until then.
      Resumer resumer = paused ? *paused : ex.pause();
      env.scheduler.schedule(ex.start + record.delay, [resumer]() mutable { resumer.resume(); });
    }
    return std::nullopt;
  }

  record.denied = true;
  Response r;
  std::string& body = r.body;
  body.reserve(160);
  if (record.unavailable) {
    // fail_closed: the limit cannot be checked, so nothing passes; not the client's fault.
    ex.outcome = "rate_limit_unavailable";
    r.status = 503;
    body += "{\"error\":{\"status\":503,\"code\":\"rate_limit_unavailable\",\"policy\":";
    appendJsonString(body, last.policy->name);
    body += ",\"message\":";
    appendJsonString(body, "rate limit \"" + last.policy->name + "\" cannot be checked: its cluster store does not answer");
    body += "}}";
    r.headers.set("Retry-After", "1");
    r.headers.set("Content-Type", "application/json");
    return r;
  }
  ex.outcome = "rate_limited";
  const LimitDecision& d = last.decision;
  r.status = 429;
  body += "{\"error\":{\"status\":429,\"code\":\"rate_limited\",\"policy\":";
  appendJsonString(body, last.policy->name);
  body += ",\"message\":";
  appendJsonString(body, "rate limit \"" + last.policy->name + "\" exceeded");
  if (d.retryAfter != kNever) {
    // Rounded up: a client that waits this long is admitted (libgateway/SEMANTICS.md, "Retry-After").
    const std::int64_t s = std::max<std::int64_t>(1, ceilSeconds(d.retryAfter));
    r.headers.set("Retry-After", std::to_string(s));
    body += ",\"retry_after_ms\":";
    appendInt(body, (d.retryAfter + kMillisecond - 1) / kMillisecond);
  } else if (last.policy->spec.algorithm == LimiterAlgorithm::kConcurrency) {
    r.headers.set("Retry-After", "1");  // no time basis: a slot frees when a request ends
  }
  body += "}}";
  r.headers.set("Content-Type", "application/json");
  return r;
}

void RateLimitStage::onResponse(Exchange& ex, Response& response) {
  RateLimitRecord& record = ex.rateLimit();
  if (!record.applied()) return;
  if (record.holding()) {
    // A streamed answer keeps its slots until its body is done.
    if (response.stream) response.stream->keep(record.takeHolds(env_.clock.now()));
    else record.releaseHolds(env_.clock.now());
  }
  if (response.headers.empty()) response.headers = std::move(record.headers);
  else response.headers.setAll(record.headers);
  record.headers.clear();
}

std::string RateLimitRecord::decision() const {
  if (!policy) return {};
  if (denied) return fmt::format("deny:{} retry={}us", *policy, retryAfter == kNever ? -1 : retryAfter);
  if (delay > 0) return fmt::format("delay:{} d={}us", *policy, delay);
  return fmt::format("allow:{} r={}", *policy, remaining);
}

}  // namespace gateway
