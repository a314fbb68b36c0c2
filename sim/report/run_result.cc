#include "sim/report/run_result.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace gwsim {

namespace {
std::string fmtMs(std::int64_t us) { return fmt::format("{:.1f}", static_cast<double>(us) / 1000.0); }

}  // namespace

double RunResult::jainFairness() const {
  double sum = 0, sumSq = 0;
  std::size_t n = 0;
  for (const auto& [_, c] : consumers) {
    if (c.offered == 0) continue;
    const double x = static_cast<double>(c.admitted) / static_cast<double>(c.offered);
    sum += x;
    sumSq += x * x;
    ++n;
  }
  return n == 0 || sumSq == 0 ? 1.0 : sum * sum / (static_cast<double>(n) * sumSq);
}

double RunResult::maxOvershoot() const {
  double worst = 0;
  for (const auto& [_, c] : consumers) {
    if (c.quota > 0) worst = std::max(worst, static_cast<double>(c.window.max()) / static_cast<double>(c.quota));
  }
  return worst;
}

bool RunResult::passed() const {
  return std::all_of(expectations.begin(), expectations.end(), [](const ExpectationResult& e) { return e.passed; });
}

std::optional<double> RunResult::metric(const std::string& name, const std::map<std::string, std::string>& labels) const {
  if (isContentMetric(name)) return contentMetric(*this, name, labels);
  const LatencyStats* s = &total;
  if (auto r = labels.find("route"); r != labels.end()) {
    auto it = routes.find(r->second);
    if (it == routes.end()) return std::nullopt;
    s = &it->second;
  } else if (auto g = labels.find("group"); g != labels.end()) {
    auto it = groups.find(g->second);
    if (it == groups.end()) return std::nullopt;
    s = &it->second;
  } else if (name.rfind("breaker_", 0) == 0 || name == "sent_while_failing") {
    auto sv = labels.find("service");
    const std::string service = sv != labels.end() ? sv->second : failingService;
    if (name == "sent_while_failing") {
      auto it = sentWhileFailing.find(service);
      return static_cast<double>(it == sentWhileFailing.end() ? 0 : it->second);
    }
    auto it = breakers.find(service);
    if (name == "breaker_transitions") return static_cast<double>(it == breakers.end() ? 0 : it->second.transitionCount);
    if (name == "breaker_false_trips") return static_cast<double>(it == breakers.end() ? 0 : it->second.falseTrips);
    if (it == breakers.end()) return std::nullopt;
    if (name == "breaker_time_to_open_s") return it->second.timeToOpenS;
    if (name == "breaker_time_to_recover_s") return it->second.timeToRecoverS;
    return std::nullopt;
  } else if (auto c = labels.find("consumer"); c != labels.end()) {
    auto it = consumers.find(c->second);
    if (it == consumers.end()) return std::nullopt;
    if (name == "offered") return static_cast<double>(it->second.offered);
    if (name == "admitted") return static_cast<double>(it->second.admitted);
    return std::nullopt;
  }
  const double seconds = static_cast<double>(std::max<gateway::Duration>(1, simulated)) / 1e6;
  const auto total = static_cast<double>(s->statuses.total);
  const auto ms = [](std::int64_t us) { return static_cast<double>(us) / 1000.0; };
  if (name == "requests") return total;
  if (name == "throughput_rps") return total / seconds;
  if (name == "rate_limited") return static_cast<double>(s->statuses.code(429));
  if (name == "errors") return static_cast<double>(s->statuses.byClass[5]);
  if (name == "error_rate") return total ? static_cast<double>(s->statuses.byClass[5]) / total : 0.0;
  if (name == "success_rate") return total ? static_cast<double>(s->statuses.byClass[2]) / total : 0.0;
  if (name == "p50_ms") return ms(s->latency.quantile(0.5));
  if (name == "p90_ms") return ms(s->latency.quantile(0.9));
  if (name == "p99_ms") return ms(s->latency.quantile(0.99));
  if (name == "p999_ms") return ms(s->latency.quantile(0.999));
  if (name == "max_ms") return ms(s->latency.max());
  if (name == "mean_ms") return s->latency.mean() / 1000.0;
  if (name == "retries") return static_cast<double>(retries);
  if (name == "jain_fairness") return jainFairness();
  if (name == "overshoot") return maxOvershoot();
  if (name == "limiter_delay_mean_ms") {
    return s->limiterDelayed ? s->limiterDelaySumUs / static_cast<double>(s->limiterDelayed) / 1000.0 : 0.0;
  }
  if (name.rfind("status_", 0) == 0) {
    const std::string code = name.substr(7);
    if (code.size() == 3 && code[1] == 'x' && code[2] == 'x' && code[0] >= '1' && code[0] <= '5') {
      return static_cast<double>(s->statuses.byClass[code[0] - '0']);
    }
    if (code.size() == 3 && std::all_of(code.begin(), code.end(), ::isdigit)) {
      return static_cast<double>(s->statuses.code(std::stoi(code)));
    }
  }
  return std::nullopt;
}

nlohmann::json FleetReport::toJson() const {
  return {{"requests", requests},
          {"no_instance", noInstance},
          {"redis", {{"decisions", storeDecisions}, {"denied", storeDenied}, {"failed", storeFailed}, {"window_counts", storeWindowAdds}}}};
}

nlohmann::json RunResult::toJson() const {
  nlohmann::json j;
  j["scenario"] = scenario;
  j["seed"] = seed;
  j["simulated_s"] = static_cast<double>(simulated) / 1e6;
  j["gateway_requests"] = gatewayRequests;
  j["client_requests"] = clientRequests;
  j["retries"] = retries;
  j["events"] = events;
  j["trace_hash"] = fmt::format("{:016x}", traceHash);
  j["total"] = total.toJson();
  for (const auto& [name, s] : routes) j["routes"][name] = s.toJson();
  for (const auto& [name, s] : groups) j["groups"][name] = s.toJson();
  j["rate_limiting"] = {{"allowed", limiterAllowed}, {"denied", limiterDenied}, {"delayed", limiterDelayed},
                        {"jain_fairness", jainFairness()}, {"max_overshoot", maxOvershoot()}};
  for (const auto& [name, b] : breakers) {
    nlohmann::json t = nlohmann::json::array();
    for (const auto& x : b.transitions) t.push_back({{"at_s", static_cast<double>(x.at) / 1e6}, {"from", x.from}, {"to", x.to}, {"reason", x.reason}});
    j["breakers"][name] = {{"transitions", t},
                           {"transition_count", b.transitionCount},
                           {"time_to_open_s", b.timeToOpenS ? nlohmann::json(*b.timeToOpenS) : nlohmann::json(nullptr)},
                           {"time_to_recover_s", b.timeToRecoverS ? nlohmann::json(*b.timeToRecoverS) : nlohmann::json(nullptr)},
                           {"false_trips", b.falseTrips}};
  }
  for (const auto& [name, n] : sentWhileFailing) j["sent_while_failing"][name] = n;
  for (const auto& i : instances) {
    j["instances"].push_back({{"service", i.service}, {"instance", i.instance}, {"received", i.received},
                              {"served", i.served}, {"errors", i.errors}, {"rejected_queue_full", i.rejected},
                              {"timed_out", i.timedOut}, {"refused", i.refused}, {"resets", i.resets},
                              {"aborted", i.aborted}, {"hung", i.hung}, {"max_busy", i.maxBusy},
                              {"max_queued", i.maxQueued}});
  }
  if (content.enabled) j["content"] = content.toJson();
  if (fleet) j["gateways"] = fleet->toJson();
  for (const auto& e : expectations) {
    j["expectations"].push_back({{"expectation", e.text}, {"passed", e.passed},
                                 {"actual", e.actual ? nlohmann::json(*e.actual) : nlohmann::json(nullptr)}});
  }
  return j;
}

std::string formatRunSummary(const RunResult& r, SummaryOf of) {
  const bool simulated = of == SummaryOf::kSimulation;
  std::string out;
  out += fmt::format("scenario {}  seed {}  {} {:.1f}s  {} requests ({} from clients, {} retries)\n", r.scenario, r.seed,
                     simulated ? "simulated" : "replayed", static_cast<double>(r.simulated) / 1e6, r.gatewayRequests,
                     r.clientRequests, r.retries);
  out += fmt::format("{:<22} {:>9} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>8} {:>8} {:>9} {:>9}\n", "route",
                     "requests", "2xx", "4xx", "5xx", "429", "502", "503", "504", "p50 ms", "p90 ms", "p99 ms",
                     "p99.9 ms", "max ms");
  auto row = [&](const std::string& name, const LatencyStats& s) {
    out += fmt::format("{:<22} {:>9} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>8} {:>8} {:>9} {:>9}\n", name,
                       s.statuses.total, s.statuses.byClass[2], s.statuses.byClass[4], s.statuses.byClass[5],
                       s.statuses.code(429), s.statuses.code(502), s.statuses.code(503), s.statuses.code(504),
                       fmtMs(s.latency.quantile(0.5)), fmtMs(s.latency.quantile(0.9)), fmtMs(s.latency.quantile(0.99)),
                       fmtMs(s.latency.quantile(0.999)), fmtMs(s.latency.max()));
  };
  for (const auto& [name, s] : r.routes) row(name, s);
  row("(all)", r.total);
  if (!r.groups.empty()) {
    out += "client groups (as clients saw it, retries included):\n";
    for (const auto& [name, s] : r.groups) row(name, s);
  }
  if (simulated) {
    out += fmt::format("rate limiting: {} allowed, {} denied, {} delayed; fairness (Jain) {:.3f}; max overshoot {:.2f}x quota\n",
                       r.limiterAllowed, r.limiterDenied, r.limiterDelayed, r.jainFairness(), r.maxOvershoot());
  }
  for (const auto& [name, b] : r.breakers) {
    out += fmt::format("circuit breaker {}: {} transitions; open {}s after the fault, closed {}s after it healed, {} false trips\n",
                       name, b.transitionCount, b.timeToOpenS ? fmt::format("{:.3f}", *b.timeToOpenS) : std::string("-"),
                       b.timeToRecoverS ? fmt::format("{:.3f}", *b.timeToRecoverS) : std::string("-"), b.falseTrips);
    for (std::size_t i = 0; i < b.transitions.size() && i < 10; ++i) {
      const auto& t = b.transitions[i];
      out += fmt::format("  {:.3f}s {} -> {}: {}\n", static_cast<double>(t.at) / 1e6, t.from, t.to, t.reason);
    }
  }
  for (const auto& [name, n] : r.sentWhileFailing) out += fmt::format("tries sent to {} while it was failing: {}\n", name, n);
  if (r.content.enabled) out += formatContentSummary(r.content);
  if (r.fleet) {
    std::string per;
    for (std::size_t i = 0; i < r.fleet->requests.size(); ++i) per += fmt::format("{}{}", i ? ", " : "", r.fleet->requests[i]);
    out += fmt::format("gateway instances: {} (requests {}); none up: {}; shared redis: {} decisions, {} denied, {} failed, "
                       "{} window counts\n",
                       r.fleet->requests.size(), per, r.fleet->noInstance, r.fleet->storeDecisions, r.fleet->storeDenied,
                       r.fleet->storeFailed, r.fleet->storeWindowAdds);
  }
  if (simulated) out += "instances:\n";
  for (const auto& i : r.instances) {
    out += fmt::format("  {}/{}: received {}, served {}, errors {}, queue-full {}, timed out {}, refused {}, resets {}, "
                       "aborted {}, hung {}, max busy {}, max queued {}\n",
                       i.service, i.instance, i.received, i.served, i.errors, i.rejected, i.timedOut, i.refused,
                       i.resets, i.aborted, i.hung, i.maxBusy, i.maxQueued);
  }
  for (const auto& e : r.expectations) {
    out += fmt::format("expectation {:<40} {}  (actual {})\n", e.text, e.passed ? "PASS" : "FAIL",
                       e.actual ? fmt::format("{:.4g}", *e.actual) : std::string("no such metric"));
  }
  if (simulated) {
    out += fmt::format("trace hash {:016x}  ({} events in {:.2f}s wall, {:.0f} simulated requests/s)\n", r.traceHash,
                       r.events, r.wallSeconds, static_cast<double>(r.gatewayRequests) / std::max(1e-9, r.wallSeconds));
  }
  return out;
}

void writeSeriesCsv(const RunResult& r, std::FILE* out) {
  std::fputs("second,requests,2xx,3xx,4xx,5xx,429,502,503,504,p50_ms,p99_ms,max_ms\n", out);
  for (const auto& s : r.series) {
    fmt::print(out, "{},{},{},{},{},{},{},{},{},{},{:.3f},{:.3f},{:.3f}\n", s.second, s.requests, s.s2xx, s.s3xx, s.s4xx,
               s.s5xx, s.s429, s.s502, s.s503, s.s504, s.p50Ms, s.p99Ms, s.maxMs);
  }
}

}  // namespace gwsim
