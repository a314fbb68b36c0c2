#include "tools/gwdash/model/request_journey.h"

#include <array>
#include <initializer_list>
#include <string_view>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "tools/gwdash/model/traffic_classes.h"

namespace gwdash {

namespace {

enum JourneyStageIndex : std::size_t {
  kJourneyRequest,
  kJourneyRoute,
  kJourneyConsumer,
  kJourneyRateLimit,
  kJourneyCache,
  kJourneyBreaker,
  kJourneyUpstream,
  kJourneyResponse,
  kJourneyStages
};

constexpr std::array<std::string_view, kJourneyStages> kJourneyStageNames = {
    "request", "route", "consumer", "rate limit", "cache", "circuit breaker", "upstream", "response"};

bool journeyIsOneOf(std::string_view value, std::initializer_list<std::string_view> choices) {
  for (std::string_view c : choices) {
    if (value == c) return true;
  }
  return false;
}

// "missing_credentials" -> "missing credentials".
std::string journeyOutcomeWords(std::string_view outcome) {
  std::string out(outcome);
  for (char& c : out) {
    if (c == '_') c = ' ';
  }
  return out;
}

// The stage that decided the answer.
std::size_t journeyDecidingStage(const RequestRecord& r) {
  const std::string_view o = r.outcome;
  if (journeyIsOneOf(o, {"bad_path", "no_route", "method_not_allowed"})) return kJourneyRoute;
  if (journeyIsOneOf(o, {"missing_credentials", "invalid_api_key", "invalid_token", "insufficient_scope"})) {
    return kJourneyConsumer;
  }
  if (o == "rate_limited") return kJourneyRateLimit;
  if (journeyIsOneOf(o, {"cache_hit", "cache_coalesced", "cache_stale"})) return kJourneyCache;
  if (o == "circuit_open" || r.circuitOpen) return kJourneyBreaker;
  if (journeyIsOneOf(o, {"request_too_large", "request_body_error"})) return kJourneyRequest;
  if (r.tries > 0 || o == "no_upstream" || o.starts_with("upstream") || o.starts_with("aggregate")) return kJourneyUpstream;
  return kJourneyResponse;
}

// "allow:free r=4" / "deny:free retry=120000us" / "delay:free d=5000us" -> verdict, detail.
std::pair<std::string, std::string> journeyLimiterVerdict(const std::string& limiter) {
  if (limiter.empty()) return {"not limited", "no rate limit applies"};
  const std::size_t colon = limiter.find(':');
  const std::size_t space = limiter.find(' ');
  if (colon == std::string::npos || space == std::string::npos || space < colon) return {limiter, ""};
  const std::string kind = limiter.substr(0, colon);
  const std::string policy = limiter.substr(colon + 1, space - colon - 1);
  const std::string param = limiter.substr(space + 1);
  const std::size_t eq = param.find('=');
  const std::string value = eq == std::string::npos ? param : param.substr(eq + 1);
  auto micros = [&]() -> std::string {
    try {
      const long long us = std::stoll(value);
      return us < 0 ? std::string("never") : durationText(us);
    } catch (const std::exception&) {
      return value;
    }
  };
  if (kind == "allow") return {"allowed", fmt::format("policy {}, {} left", policy, value)};
  if (kind == "deny") return {"denied", fmt::format("policy {}, retry after {}", policy, micros())};
  if (kind == "delay") return {"delayed", fmt::format("policy {}, held {}", policy, micros())};
  return {limiter, ""};
}

std::pair<std::string, std::string> journeyCacheVerdict(const RequestRecord& r) {
  if (r.outcome == "cache_coalesced") return {"coalesced", "waited for another request's fill"};
  if (r.cache == "HIT") return {"hit", "answered from the cache"};
  if (r.cache == "STALE") return {"stale", "a stale copy was served"};
  if (r.cache == "MISS") return {"miss", "not in the cache: the service was asked"};
  if (r.cache == "BYPASS") return {"bypassed", "this request may not use the cache"};
  if (r.cache.empty()) return {"not cached", ""};
  return {r.cache, ""};
}

std::pair<std::string, std::string> journeyBreakerVerdict(const RequestRecord& r) {
  if (r.circuitOpen) {
    std::string detail = fmt::format("answered without calling {}", r.service.empty() ? "the service" : r.service);
    if (!r.breakerTransition.empty()) detail += "; " + r.breakerTransition;
    return {"open", detail};
  }
  if (r.tries == 0) return {"not consulted", ""};
  if (r.breakerTransition.empty()) return {"let the call through", ""};
  return {"let the call through; its result moved the breaker", r.breakerTransition};
}

std::pair<std::string, std::string> journeyUpstreamVerdict(const RequestRecord& r) {
  if (r.tries == 0) {
    if (r.outcome == "no_upstream") return {"no instance available", r.service.empty() ? "" : "service " + r.service};
    return {"not called", ""};
  }
  std::string verdict;
  const std::string_view o = r.outcome;
  if (o == "upstream") {
    verdict = fmt::format("answered {}", r.status);
  } else if (o.starts_with("upstream_")) {
    verdict = journeyOutcomeWords(o.substr(9));
  } else if (o == "cache_stale") {
    verdict = "failed; the cache's stale copy stood in";
  } else {
    verdict = journeyOutcomeWords(o);
  }
  std::string detail = fmt::format("service {}", r.service.empty() ? "-" : r.service);
  if (!r.instance.empty()) detail += ", instance " + r.instance;
  detail += fmt::format(", {} {}, latest try {}", r.tries, r.tries == 1 ? "try" : "tries", durationText(r.upstream));
  return {verdict, detail};
}

}  // namespace

std::vector<JourneyStep> journeyOf(const RequestRecord& r) {
  const std::size_t deciding = journeyDecidingStage(r);
  const bool earlyExit = deciding >= kJourneyRoute && deciding <= kJourneyBreaker && r.tries == 0;
  const std::size_t lastReached = earlyExit ? deciding : kJourneyResponse;

  std::vector<JourneyStep> steps(kJourneyStages);
  for (std::size_t i = 0; i < kJourneyStages; ++i) {
    steps[i].stage = std::string(kJourneyStageNames[i]);
    steps[i].reached = i <= lastReached || i == kJourneyResponse;
    steps[i].decisive = i == deciding;
    if (!steps[i].reached) steps[i].verdict = "not reached";
  }

  steps[kJourneyRequest].verdict = deciding == kJourneyRequest ? journeyOutcomeWords(r.outcome) : "received";
  steps[kJourneyRequest].detail = fmt::format("{} {} from {}, at {}", r.method, r.target, r.client.empty() ? "-" : r.client,
                                       timeText(r.start));
  if (!r.correlationId.empty()) steps[kJourneyRequest].detail += ", correlation id " + r.correlationId;

  if (!r.route.empty()) {
    steps[kJourneyRoute].verdict = "matched " + r.route;
  } else if (r.outcome == "bad_path" || r.outcome == "method_not_allowed") {
    steps[kJourneyRoute].verdict = journeyOutcomeWords(r.outcome);
  } else {
    steps[kJourneyRoute].verdict = "no route matched";
  }

  if (steps[kJourneyConsumer].reached) {
    if (deciding == kJourneyConsumer) {
      steps[kJourneyConsumer].verdict = journeyOutcomeWords(r.outcome);
    } else {
      steps[kJourneyConsumer].verdict = r.consumer.empty() ? "anonymous" : r.consumer;
    }
    std::vector<std::string> parts;
    if (!r.tier.empty()) parts.push_back("tier " + r.tier);
    if (!r.auth.empty()) parts.push_back("authenticated by " + r.auth);
    steps[kJourneyConsumer].detail = fmt::format("{}", fmt::join(parts, ", "));
  }
  auto tell = [&](std::size_t stage, std::pair<std::string, std::string> verdict) {
    if (steps[stage].reached) std::tie(steps[stage].verdict, steps[stage].detail) = std::move(verdict);
  };
  tell(kJourneyRateLimit, journeyLimiterVerdict(r.limiter));
  tell(kJourneyCache, journeyCacheVerdict(r));
  tell(kJourneyBreaker, journeyBreakerVerdict(r));
  tell(kJourneyUpstream, journeyUpstreamVerdict(r));

  steps[kJourneyResponse].verdict = fmt::format("{}", r.status);
  steps[kJourneyResponse].detail =
      fmt::format("outcome {}, total {}", r.outcome.empty() ? "-" : r.outcome, durationText(r.latency()));
  if (r.tries > 0) {
    steps[kJourneyResponse].detail +=
        fmt::format(": latest try {}, the rest {}", durationText(r.upstream), durationText(r.latency() - r.upstream));
  }
  return steps;
}

std::string journeyText(const RequestRecord& record) {
  std::string out;
  for (const JourneyStep& step : journeyOf(record)) {
    out += fmt::format("{}: {}", step.stage, step.verdict);
    if (!step.detail.empty()) out += fmt::format(" ({})", step.detail);
    if (step.decisive) out += "  <- decided the answer";
    out += '\n';
  }
  return out;
}

}  // namespace gwdash
