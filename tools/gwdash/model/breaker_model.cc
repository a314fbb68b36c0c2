#include "tools/gwdash/model/breaker_model.h"

#include <fmt/format.h>

namespace gwdash {

namespace {

constexpr std::size_t kBreakerKeptTransitions = 64;  // at least the snapshot's own history

std::optional<double> breakerRate(const nlohmann::json& b, const char* key) {
  const auto it = b.find(key);
  if (it == b.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string breakerOpt(const std::optional<double>& v) { return v ? fmt::format("{:.3f}", *v) : "-"; }

}  // namespace

int breakerStateIndex(const std::string& state) {
  if (state == "closed") return 0;
  if (state == "open") return 1;
  if (state == "half_open") return 2;
  return -1;
}

void BreakerModel::reset(const DashboardContext& context) {
  now_ = 0;
  breakers_.clear();
  addConfigured(context);
}

void BreakerModel::onConfig(const DashboardContext& context) { addConfigured(context); }

// Every configured breaker has a view from the start (closed, no samples), so the panel shows
// it before the first snapshot; its thresholds come with the snapshots' config.
void BreakerModel::addConfigured(const DashboardContext& context) {
  if (!context.config) return;
  for (const auto& svc : context.config->services) {
    if (!svc.circuitBreaker) continue;
    auto [it, added] = breakers_.try_emplace(svc.name);
    if (!added) continue;
    BreakerView& v = it->second;
    const gateway::CircuitBreakerConfig& c = *svc.circuitBreaker;
    v.service = svc.name;
    v.mode = std::string(gateway::toString(c.mode));
    v.failureRateThreshold = c.failureRateThreshold;
    if (c.mode == gateway::BreakerMode::kFailureRate) v.slowCallRateThreshold = c.slowCallRateThreshold;
    v.minimumCalls = c.minimumCalls;
    v.maxErrors = c.maxErrors;
  }
}

void BreakerModel::onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) {
  now_ = now;
  const nlohmann::json& section = jsonMember(policies, "circuit_breakers");
  if (!section.is_object()) return;
  // A breaker the config no longer has (a live switch) leaves the panel.
  for (auto it = breakers_.begin(); it != breakers_.end();) {
    it = section.contains(it->first) ? std::next(it) : breakers_.erase(it);
  }
  for (const auto& [service, b] : section.items()) {
    if (!b.is_object()) continue;
    BreakerView& view = breakers_[service];
    view.service = service;
    readBreaker(view, now, b);
  }
}

void BreakerModel::readBreaker(BreakerView& v, gateway::TimePoint now, const nlohmann::json& b) {
  const nlohmann::json& c = jsonMember(b, "config");
  if (c.is_object()) {
    v.config = c;
    v.mode = jsonText(c, "mode");
    v.failureRateThreshold = jsonNumber(c, "failure_rate_threshold");
    v.slowCallRateThreshold = breakerRate(c, "slow_call_rate_threshold");
    v.minimumCalls = jsonCount(c, "minimum_calls");
    v.maxErrors = jsonCount(c, "max_errors");
  }
  v.state = jsonText(b, "state");
  v.since = static_cast<gateway::TimePoint>(jsonNumber(b, "since_us"));
  const auto until = breakerRate(b, "open_until_us");
  v.openUntil = until ? std::optional<gateway::TimePoint>(static_cast<gateway::TimePoint>(*until)) : std::nullopt;
  v.trialsInFlight = jsonCount(b, "trials_in_flight");

  BreakerSample s;
  s.state = v.state;
  s.calls = jsonCount(b, "calls");
  s.failures = jsonCount(b, "failures");
  s.slow = jsonCount(b, "slow");
  s.rejected = jsonCount(b, "rejected");
  if (!v.consecutive()) {
    // The breaker's own rates (policy report); computed from the counts only for a report
    // that predates them.
    const bool reported = b.contains("failure_rate");
    s.failureRate = reported ? breakerRate(b, "failure_rate")
                             : (s.calls ? std::optional<double>(100.0 * static_cast<double>(s.failures) / static_cast<double>(s.calls))
                                        : std::nullopt);
    s.slowCallRate = breakerRate(b, "slow_call_rate");
  }
  v.samples.add(now, std::move(s));

  // The snapshot's history holds the last transitions: numbers total-k+1 .. total.
  const std::uint64_t total = jsonCount(b, "transitions");
  const nlohmann::json& history = jsonMember(b, "history");
  std::uint64_t known = v.history.empty() ? 0 : v.history.back().number;
  if (total < v.transitions) known = 0;  // a new breaker (the config changed): count afresh
  v.transitions = total;
  if (history.is_array()) {
    const std::uint64_t first = total >= history.size() ? total - history.size() + 1 : 1;
    for (std::size_t i = 0; i < history.size(); ++i) {
      const std::uint64_t number = first + i;
      if (number <= known) continue;
      const nlohmann::json& t = history[i];
      v.history.push_back({number, static_cast<gateway::TimePoint>(jsonNumber(t, "at_us")), jsonText(t, "from"),
                           jsonText(t, "to"), jsonText(t, "reason")});
    }
  }
  std::size_t drop = 0;
  while (drop < v.history.size() && v.history.size() - drop > kBreakerKeptTransitions &&
         v.history[drop].at < now - gateway::seconds(kPolicySeriesSeconds)) {
    ++drop;
  }
  v.history.erase(v.history.begin(), v.history.begin() + static_cast<std::ptrdiff_t>(drop));
}

const BreakerView* BreakerModel::find(const std::string& service) const {
  const auto it = breakers_.find(service);
  return it == breakers_.end() ? nullptr : &it->second;
}

std::string BreakerModel::digest() const {
  std::string text = fmt::format("now={}\n", now_);
  for (const auto& [name, v] : breakers_) {
    text += fmt::format("{} {} {} since={} n={} thr={:.3f}\n", name, v.mode, v.state, v.since, v.transitions, v.threshold());
    for (const auto& s : v.samples.samples()) {
      text += fmt::format(" {} {} {} {}/{}/{} {} {}\n", s.at, s.value.state, s.value.rejected, s.value.calls, s.value.failures,
                          s.value.slow, breakerOpt(s.value.failureRate), breakerOpt(s.value.slowCallRate));
    }
    for (const auto& t : v.history) text += fmt::format(" #{} {} {}->{} {}\n", t.number, t.at, t.from, t.to, t.reason);
  }
  return policyDigest(text);
}

}  // namespace gwdash
