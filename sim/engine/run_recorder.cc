#include "sim/engine/run_recorder.h"

#include <algorithm>

namespace gwsim {

namespace {

void record(LatencyStats& s, int status, gateway::Duration latency, const gateway::Exchange& ex) {
  s.statuses.add(status);
  s.latency.record(latency);
  if (const gateway::Duration delay = ex.rateLimit().delay; delay > 0) {
    ++s.limiterDelayed;
    s.limiterDelaySumUs += static_cast<double>(delay);
    s.limiterDelayMaxUs = std::max(s.limiterDelayMaxUs, delay);
  }
}

}  // namespace

RunRecorder::RunRecorder(const Scenario& scenario, std::FILE* trace, RunResult& result)
    : scenario_(scenario), result_(result), trace_(trace), breakers_(scenario.faults, result.breakers) {
  // Every configured route and group has a row, even with no traffic. std::map nodes are
  // stable, so the hot path keeps pointers instead of looking names up.
  for (const auto& r : scenario.gateway->routes) routeStats_.push_back(&result_.routes[r.name]);
  for (const auto& g : scenario.clients) groupStats_.push_back(&result_.groups[g.name]);
  slots_.resize(scenario.clients.size());
  ContentReport& content = result_.content;
  content.enabled = content_ = reportsContent(scenario);
  if (content_) {
    for (const auto& r : scenario.gateway->routes) routeBytes_.push_back(&content.routeBytes[r.name]);
    routeBytes_.push_back(&content.routeBytes[kUnrouted]);
    for (const auto& g : scenario.clients) groupBytes_.push_back(&content.groupBytes[g.name]);
    for (const auto& svc : scenario.gateway->services) content.upstreamRequests[svc.name] = 0;
    content.stampede = scenario.stampede.has_value();
  }
  for (std::size_t g = 0; g < scenario.clients.size(); ++g) {
    if (scenario.clients[g].count <= 65536) slots_[g].assign(scenario.clients[g].count, StatsSlot{});
  }
}

void RunRecorder::onAdmitted(const gateway::Exchange& ex) {
  // Admissions arrive in time order, which the sliding-window maximum needs. Most happen
  // inside Gateway::handle, so the call being sent is this exchange's; a request a leaky
  // bucket held is admitted later, from its timer, when no call is being sent.
  StatsSlot* slot = handlingGroup_ != kNoGroup ? statsSlot(handlingGroup_, handlingClient_) : nullptr;
  consumerStats(ex, slot).window.add(ex.start + ex.rateLimit().delay);  // when it is let through upstream
}

void RunRecorder::onBreakerTransition(const gateway::Exchange&, const gateway::ServiceConfig& service,
                                      const gateway::BreakerTransition& t) {
  breakers_.onTransition(service, t);
}

void RunRecorder::onComplete(const gateway::Exchange& ex, const gateway::Response& response) {
  const gateway::Duration latency = ex.end - ex.start;
  ++completedCount_;
  LatencyStats& rs = ex.route() ? *routeStats_[ex.routeIndex] : result_.routes[kUnrouted];
  record(rs, response.status, latency, ex);
  record(result_.total, response.status, latency, ex);
  const gateway::RateLimitRecord& limit = ex.rateLimit();
  if (limit.denied) ++result_.limiterDenied;
  else if (limit.policy) ++result_.limiterAllowed;
  if (limit.delay > 0) ++result_.limiterDelayed;

  // Counted per consumer by countAnswer, which runs next for this exchange and knows its
  // client (so its stats entry, and the hash of its key, are found without a lookup).
  completed_ = &ex;

  flushSeconds(ex.end / gateway::kSecond);
  second_.statuses.add(response.status);
  second_.latency.record(latency);

  const gateway::UpstreamRecord* upstream = ex.upstream();
  std::uint64_t h = hash_ ^ gateway::mix64(static_cast<std::uint64_t>(ex.start));
  h = gateway::mix64(h ^ static_cast<std::uint64_t>(ex.end));
  h = gateway::mix64(h ^ static_cast<std::uint64_t>(response.status) ^ (static_cast<std::uint64_t>(ex.routeIndex) << 16) ^
                     (upstream ? (static_cast<std::uint64_t>(upstream->serviceIndex) << 32 | upstream->instanceIndex) + 1 : 0));
  // The consumer's term, stableHash(who), is xored in by countAnswer.
  hash_ = h ^ gateway::stableHash(ex.request.target, ex.request.method.size());
  if (trace_.enabled()) trace_.write(ex, response);
  if (content_) recordContent(ex, response);
}

void RunRecorder::recordContent(const gateway::Exchange& ex, const gateway::Response& response) {
  ContentReport& c = result_.content;
  const std::uint64_t bytes = response.body.size();
  c.bytesToClients += bytes;
  *routeBytes_[ex.route() ? ex.routeIndex : routeBytes_.size() - 1] += bytes;
  if (!ex.upstream() && answeredFromCache(response)) ++c.upstreamSaved;  // not a stale-if-error after its own try
  if (partialAnswer(response)) ++c.partialAnswers;
}

void RunRecorder::finish() {
  flushSeconds(INT64_MAX);
  result_.traceHash = hash_;
}

// `slot` (a client's remembered entry) is used when its key still matches, and refreshed.
ConsumerStats& RunRecorder::consumerStats(const gateway::Exchange& ex, StatsSlot* slot) {
  const std::string& who = whoOf(ex);
  if (slot && slot->entry && slot->entry->first == who) return slot->entry->second;
  auto [it, inserted] = result_.consumers.try_emplace(who);
  if (inserted) initConsumer(it->second, ex);
  if (slot) *slot = StatsSlot{&*it, gateway::stableHash(who)};
  return it->second;
}

void RunRecorder::initConsumer(ConsumerStats& cs, const gateway::Exchange& ex) {
  const auto& rl = scenario_.gateway->rateLimits;
  std::string tier = ex.tier.empty() ? (ex.consumer.empty() ? rl.anonymousTier : std::string()) : ex.tier;
  auto t = rl.tiers.find(tier);
  if (t != rl.tiers.end()) {
    cs.quota = t->second.spec.quota();
    cs.window = WindowMax(t->second.spec.quotaWindow());
  }
}

void RunRecorder::flushSeconds(std::int64_t upTo) {
  while (secondIndex_ < upTo && (second_.statuses.total > 0 || upTo != INT64_MAX)) {
    SecondSummary s;
    s.second = secondIndex_;
    s.requests = second_.statuses.total;
    s.s2xx = second_.statuses.byClass[2];
    s.s3xx = second_.statuses.byClass[3];
    s.s4xx = second_.statuses.byClass[4];
    s.s5xx = second_.statuses.byClass[5];
    s.s429 = second_.statuses.code(429);
    s.s502 = second_.statuses.code(502);
    s.s503 = second_.statuses.code(503);
    s.s504 = second_.statuses.code(504);
    s.p50Ms = static_cast<double>(second_.latency.quantile(0.5)) / 1000;
    s.p99Ms = static_cast<double>(second_.latency.quantile(0.99)) / 1000;
    s.maxMs = static_cast<double>(second_.latency.max()) / 1000;
    result_.series.push_back(s);
    second_.statuses.reset();
    second_.latency.clear();
    ++secondIndex_;
    if (upTo == INT64_MAX) break;
  }
}

}  // namespace gwsim
