#include "sim/engine/simulation.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "libgateway/pipeline/gateway.h"
#include "libgateway/pipeline/stage_list.h"
#include "libgateway/resilience/circuit_breaker.h"
#include "sim/engine/sim_env.h"
#include "sim/engine/sim_transport.h"

namespace gwsim {

using gateway::Duration;
using gateway::TimePoint;

namespace {

constexpr const char* kUnrouted = "(none)";

class Runner final : public gateway::ExchangeObserver {
 public:
  Runner(const Scenario& scenario, const RunOptions& options)
      : scenario_(scenario),
        options_(options),
        seed_(options.seed.value_or(scenario.seed)),
        root_(seed_),
        transport_(scenario, root_),
        env_(root_, transport_),
        shared_(scenario.gateway),
        gateway_(shared_, env_.env()),
        second_{} {
    transport_.attach(env_.clock(), env_.scheduler());
    shared_.setUnixTimeOffset(scenario.startUnixSeconds * gateway::kSecond);
    gateway::installStandardStages(gateway_, shared_, env_.env());
    gateway_.setObserver(this);
    for (std::size_t g = 0; g < scenario.clients.size(); ++g) {
      groups_.push_back(GroupState{&scenario.clients[g], root_.stream("client/" + scenario.clients[g].name), {}, {}});
      if (scenario.clients[g].count <= 65536) {
        for (std::uint32_t c = 0; c < scenario.clients[g].count; ++c) groups_.back().addresses.push_back(clientAddress(g, c));
        groups_.back().stats.assign(scenario.clients[g].count, StatsSlot{});
      }
    }
    result_.scenario = scenario.name;
    result_.seed = seed_;
    // Every configured route and group has a row, even with no traffic. std::map nodes are
    // stable, so the hot path keeps pointers instead of looking names up.
    for (const auto& r : scenario.gateway->routes) routeStats_.push_back(&result_.routes[r.name]);
    for (const auto& g : scenario.clients) groupStats_.push_back(&result_.groups[g.name]);
  }

  RunResult run() {
    const auto wallStart = std::chrono::steady_clock::now();
    if (options_.trace) {
      std::fputs("start_us,end_us,client,consumer,method,target,route,limiter,service,instance,outcome,status,latency_us,upstream_us\n",
                 options_.trace);
    }
    for (std::size_t g = 0; g < groups_.size(); ++g) startGroup(g);
    const TimePoint end = scenario_.duration + options_.drainLimit;
    auto& sched = env_.scheduler();
    const bool showProgress = options_.progress && isatty(STDERR_FILENO);
    bool printed = false;
    auto lastPrint = wallStart;
    std::uint64_t events = 0;
    while (sched.runNextUntil(end)) {
      ++events;
      if (showProgress && (events & 0xffff) == 0) {
        const auto now = std::chrono::steady_clock::now();
        const double wall = std::chrono::duration<double>(now - wallStart).count();
        if (wall > 1.0 && now - lastPrint > std::chrono::milliseconds(250)) {
          lastPrint = now;
          printed = true;
          const double sim = static_cast<double>(env_.now()) / 1e6;
          std::fprintf(stderr, "\r[gwsim] t=%.1fs/%.0fs %3.0f%%  %.2fM events/s  %.0fx real time   ", sim,
                       static_cast<double>(scenario_.duration) / 1e6,
                       std::min(100.0, 100.0 * sim * 1e6 / static_cast<double>(scenario_.duration)),
                       static_cast<double>(events) / wall / 1e6, sim / wall);
        }
      }
    }
    if (printed) std::fputc('\n', stderr);
    flushSeconds(INT64_MAX);
    result_.events = events;
    result_.simulated = std::max<Duration>(scenario_.duration, env_.now());
    result_.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    result_.traceHash = hash_;
    result_.sentWhileFailing = transport_.sentWhileFailing();
    for (const auto& f : scenario_.faults) {
      if (isFailure(f) && !f.service.empty() && (result_.failingService.empty())) result_.failingService = f.service;
    }
    for (const auto& v : transport_.instances()) {
      const auto& c = *v.counters;
      result_.instances.push_back({v.service, v.instance, c.received, c.served, c.rejected, c.errors, c.timedOut,
                                   c.refused, c.resets, c.aborted, c.hung, c.maxBusy, c.maxQueued});
    }
    for (const auto& e : scenario_.expectations) {
      ExpectationResult er{e.text, result_.metric(e.metric, e.labels), false};
      if (er.actual) {
        const double a = *er.actual, v = e.value;
        er.passed = e.op == "<" ? a < v : e.op == "<=" ? a <= v : e.op == ">" ? a > v : e.op == ">=" ? a >= v
                  : e.op == "==" ? a == v : a != v;
      }
      result_.expectations.push_back(std::move(er));
    }
    return std::move(result_);
  }

  void onAdmitted(const gateway::Exchange& ex) override {
    // Admissions arrive in time order, which the sliding-window maximum needs. They happen
    // inside Gateway::handle, so the call being sent is this exchange's.
    StatsSlot* slot = handling_ != kNoCall ? statsSlot(calls_[handling_]) : nullptr;
    consumerStats(ex, slot).window.add(ex.start + ex.rateLimit().delay);  // when it is let through upstream
  }

  void onBreakerTransition(const gateway::Exchange&, const gateway::ServiceConfig& service,
                           const gateway::BreakerTransition& t) override {
    const gateway::ServiceConfig* svc = &service;
    BreakerReport& b = result_.breakers[svc->name];
    b.service = svc->name;
    ++b.transitionCount;
    if (b.transitions.size() < 1000) {
      b.transitions.push_back({t.at, std::string(gateway::toString(t.from)), std::string(gateway::toString(t.to)), t.reason});
    }
    const FaultSpec* fault = failureFault(svc->name);
    if (t.to == gateway::BreakerState::kOpen) {
      bool faultActive = false;
      for (const auto& f : scenario_.faults) {
        if (isFailure(f) && (f.service.empty() || f.service == svc->name) && f.activeAt(t.at)) faultActive = true;
      }
      if (!faultActive) ++b.falseTrips;
      if (fault && !b.timeToOpenS && t.at >= fault->at) b.timeToOpenS = static_cast<double>(t.at - fault->at) / 1e6;
    }
    if (t.to == gateway::BreakerState::kClosed && fault && b.timeToOpenS && !b.timeToRecoverS &&
        fault->duration != gateway::kNever && t.at >= fault->at + fault->duration) {
      b.timeToRecoverS = static_cast<double>(t.at - fault->at - fault->duration) / 1e6;
    }
  }

  void onComplete(const gateway::Exchange& ex, const gateway::Response& response) override {
    const Duration latency = ex.end - ex.start;
    const gateway::RouteConfig* route = ex.route();
    LatencyStats& rs = route ? *routeStats_[ex.routeIndex] : result_.routes[kUnrouted];
    record(rs, response.status, latency, ex);
    record(result_.total, response.status, latency, ex);
    const gateway::RateLimitRecord& limit = ex.rateLimit();
    if (limit.denied) ++result_.limiterDenied;
    else if (limit.policy) ++result_.limiterAllowed;
    if (limit.delay > 0) ++result_.limiterDelayed;

    // Counted per consumer by onClientResponse, which runs next for this exchange and knows
    // its client (so its stats entry, and the hash of its key, are found without a lookup).
    completed_ = &ex;

    flushSeconds(ex.end / gateway::kSecond);
    second_.statuses.add(response.status);
    second_.latency.record(latency);

    const gateway::UpstreamRecord* upstream = ex.upstream();
    const gateway::ServiceConfig* svc = ex.service();
    const std::string& instance = svc ? svc->instances[upstream->instanceIndex].id : empty_;
    std::uint64_t h = hash_ ^ gateway::mix64(static_cast<std::uint64_t>(ex.start));
    h = gateway::mix64(h ^ static_cast<std::uint64_t>(ex.end));
    h = gateway::mix64(h ^ static_cast<std::uint64_t>(response.status) ^ (static_cast<std::uint64_t>(ex.routeIndex) << 16) ^
                       (upstream ? (static_cast<std::uint64_t>(upstream->serviceIndex) << 32 | upstream->instanceIndex) + 1 : 0));
    // The consumer's term, stableHash(who), is xored in by onClientResponse.
    hash_ = h ^ gateway::stableHash(ex.request.target, ex.request.method.size());
    if (options_.trace) {
      fmt::print(options_.trace, "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", ex.start, ex.end, ex.request.clientAddress,
                 ex.consumer, ex.request.method, ex.request.target, route ? route->name : kUnrouted,
                 limit.policy ? limit.decision() : std::string("-"), svc ? svc->name : "-",
                 instance.empty() ? "-" : instance, ex.outcome, response.status, latency,
                 upstream ? upstream->tryEnd - upstream->tryStart : 0);
    }
  }

 private:
  static bool isFailure(const FaultSpec& f) {
    return f.kind == FaultSpec::Kind::kDown || f.kind == FaultSpec::Kind::kFlapping || f.kind == FaultSpec::Kind::kReset ||
           f.kind == FaultSpec::Kind::kHang || (f.kind == FaultSpec::Kind::kAbort && f.status >= 500);
  }
  // The first failure fault that hits `service` (the one time-to-open is measured from).
  const FaultSpec* failureFault(const std::string& service) const {
    const FaultSpec* first = nullptr;
    for (const auto& f : scenario_.faults) {
      if (isFailure(f) && (f.service.empty() || f.service == service) && (!first || f.at < first->at)) first = &f;
    }
    return first;
  }

  using ConsumerEntry = std::unordered_map<std::string, ConsumerStats>::value_type;
  // A client's remembered consumer-stats entry, with the trace-hash term of its key.
  struct StatsSlot {
    ConsumerEntry* entry = nullptr;
    std::uint64_t whoHash = 0;
  };
  struct GroupState {
    const ClientGroup* group;
    gateway::Random random;
    std::vector<std::string> addresses;  // precomputed for groups of up to 65,536 clients
    // Per client (same groups): the consumer-stats entry it was last counted in; checked
    // against the key before use, as a client's consumer may change (a replayed trace).
    std::vector<StatsSlot> stats;
  };
  struct ClientCall {
    std::uint32_t group = 0;
    std::uint32_t client = 0;
    std::uint32_t attempt = 0;
    TimePoint firstStart = 0;
    gateway::Request request;  // kept only when the group retries
  };

  void record(LatencyStats& s, int status, Duration latency, const gateway::Exchange& ex) {
    s.statuses.add(status);
    s.latency.record(latency);
    if (const Duration delay = ex.rateLimit().delay; delay > 0) {
      ++s.limiterDelayed;
      s.limiterDelaySumUs += static_cast<double>(delay);
      s.limiterDelayMaxUs = std::max(s.limiterDelayMaxUs, delay);
    }
  }

  // Fairness and overshoot are measured per consumer (or per client when anonymous).
  static const std::string& whoOf(const gateway::Exchange& ex) {
    return ex.consumer.empty() ? ex.request.clientAddress : ex.consumer;
  }
  // `slot` (a client's remembered entry) is used when its key still matches, and refreshed.
  ConsumerStats& consumerStats(const gateway::Exchange& ex, StatsSlot* slot = nullptr) {
    const std::string& who = whoOf(ex);
    if (slot && slot->entry && slot->entry->first == who) return slot->entry->second;
    auto [it, inserted] = result_.consumers.try_emplace(who);
    if (inserted) initConsumer(it->second, ex);
    if (slot) *slot = StatsSlot{&*it, gateway::stableHash(who)};
    return it->second;
  }
  StatsSlot* statsSlot(const ClientCall& call) {
    auto& slots = groups_[call.group].stats;
    return call.client < slots.size() ? &slots[call.client] : nullptr;
  }

  void initConsumer(ConsumerStats& cs, const gateway::Exchange& ex) {
    const auto& rl = scenario_.gateway->rateLimits;
    std::string tier = ex.tier.empty() ? (ex.consumer.empty() ? rl.anonymousTier : std::string()) : ex.tier;
    auto t = rl.tiers.find(tier);
    if (t != rl.tiers.end()) {
      cs.quota = t->second.spec.quota();
      cs.window = WindowMax(t->second.spec.quotaWindow());
    }
  }

  void flushSeconds(std::int64_t upTo) {
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

  static std::string clientAddress(std::size_t g, std::uint32_t c) {
    // Labels only (nothing is sent anywhere): loopback-range strings, unique per client.
    char buf[24];
    const int n = std::snprintf(buf, sizeof buf, "127.%u.%u.%u", static_cast<unsigned>((g + 1) & 255),
                                static_cast<unsigned>((c >> 8) & 255), static_cast<unsigned>(c & 255));
    return std::string(buf, static_cast<std::size_t>(n));
  }

  TimePoint groupStop(const ClientGroup& g) const { return std::min(g.stop, scenario_.duration); }

  void startGroup(std::size_t g) {
    GroupState& gs = groups_[g];
    const ClientGroup& cg = *gs.group;
    if (cg.replay) {
      scheduleReplay(g, 0);
      return;
    }
    if (cg.closedLoop) {
      for (std::uint32_t c = 0; c < cg.count; ++c) {
        // Spread the first requests over the first think time so clients do not move in lockstep.
        const Duration jitter = cg.think ? static_cast<Duration>(gs.random.uniform(static_cast<std::uint64_t>(
                                               std::max<double>(1.0, cg.think->mean()))))
                                         : static_cast<Duration>(gs.random.uniform(1000));
        const TimePoint at = cg.start + jitter;
        if (at < groupStop(cg)) env_.scheduler().schedule(at, [this, g, c] { newRequest(g, c); });
      }
      return;
    }
    scheduleArrival(g, cg.start, true);
  }

  // Replays a recorded trace: one event at a time, so memory does not grow with its length.
  void scheduleReplay(std::size_t g, std::size_t index) {
    const ClientGroup& cg = *groups_[g].group;
    if (index >= cg.replay->size()) return;
    const RecordedRequest& rec = (*cg.replay)[index];
    if (rec.at >= groupStop(cg) || rec.at < cg.start) return;
    env_.scheduler().schedule(rec.at, [this, g, index] {
      const ClientGroup& group = *groups_[g].group;
      const RecordedRequest& r = (*group.replay)[index];
      const std::uint32_t id = allocCall();
      ClientCall& call = calls_[id];
      call.group = static_cast<std::uint32_t>(g);
      call.client = 0;
      call.attempt = 0;
      call.firstStart = env_.now();
      call.request = gateway::Request{};
      call.request.method = r.method;
      call.request.target = r.target;
      call.request.clientAddress = r.client.empty() ? clientAddress(g, 0) : r.client;
      if (!r.apiKey.empty()) call.request.headers.set(group.apiKeyHeader, r.apiKey);
      ++result_.clientRequests;
      sendAttempt(id);
      scheduleReplay(g, index + 1);
    });
  }

  void scheduleArrival(std::size_t g, TimePoint from, bool first = false) {
    GroupState& gs = groups_[g];
    const ClientGroup& cg = *gs.group;
    const TimePoint stop = groupStop(cg);
    const double maxRate = cg.arrival.maxRate();
    if (maxRate <= 0) return;
    TimePoint t = from;
    while (true) {
      if (cg.process == ClientGroup::Process::kPoisson) {
        // Thinning (Lewis-Shedler): candidates at the peak rate, kept with probability rate(t)/peak.
        const double gap = -std::log(1.0 - gs.random.unit()) / maxRate * 1e6;
        t += std::max<Duration>(1, static_cast<Duration>(std::llround(gap)));
        if (t >= stop) return;
        const double r = cg.arrival.rateAt(t);
        if (r >= maxRate || gs.random.unit() * maxRate < r) break;
      } else {
        if (first && cg.arrival.rateAt(t) > 0) break;  // a constant process starts at its start
        // Evenly spaced in "operational time": the next arrival is where the integral of the
        // rate since the last one reaches 1 (exact for a constant rate, close for ramps).
        const double step = std::max(1.0, 1e6 / (maxRate * 8));
        double acc = 0;
        bool found = false;
        while (!found) {
          const double r = cg.arrival.rateAt(t + static_cast<Duration>(step / 2));
          if (acc + r * step / 1e6 >= 1.0) {
            t += std::max<Duration>(1, static_cast<Duration>(std::llround((1.0 - acc) / r * 1e6)));
            found = true;
          } else {
            acc += r * step / 1e6;
            t += static_cast<Duration>(step);
          }
          if (t >= stop) return;
        }
        break;
      }
    }
    env_.scheduler().schedule(t, [this, g] {
      GroupState& state = groups_[g];
      const auto client = static_cast<std::uint32_t>(state.random.uniform(state.group->count));
      newRequest(g, client);
      scheduleArrival(g, env_.now());
    });
  }

  // Client calls live in a slab so callbacks capture an index, not a shared_ptr.
  std::uint32_t allocCall() {
    if (!freeCalls_.empty()) {
      const std::uint32_t i = freeCalls_.back();
      freeCalls_.pop_back();
      return i;
    }
    calls_.emplace_back();
    return static_cast<std::uint32_t>(calls_.size() - 1);
  }

  void newRequest(std::size_t g, std::uint32_t c) {
    GroupState& gs = groups_[g];
    const ClientGroup& cg = *gs.group;
    const std::uint32_t id = allocCall();
    ClientCall& call = calls_[id];
    call.group = static_cast<std::uint32_t>(g);
    call.client = c;
    call.attempt = 0;
    call.firstStart = env_.now();
    cg.mix.make(gs.random, call.request);
    call.request.clientAddress = gs.addresses.empty() ? clientAddress(g, c) : gs.addresses[c];
    if (!cg.apiKeys.empty()) call.request.headers.set(cg.apiKeyHeader, cg.apiKeys[c % cg.apiKeys.size()]);
    ++result_.clientRequests;
    sendAttempt(id);
  }

  void sendAttempt(std::uint32_t id) {
    ClientCall& call = calls_[id];
    const ClientGroup& cg = *groups_[call.group].group;
    ++result_.gatewayRequests;
    handling_ = id;
    // A client that may retry keeps its request; otherwise it moves.
    gateway_.handle(cg.retry.maxRetries > 0 ? gateway::Request(call.request) : std::move(call.request),
                    [this, id](gateway::Response r) { onClientResponse(id, r); });
    handling_ = kNoCall;
  }

  void onClientResponse(std::uint32_t id, const gateway::Response& r) {
    ClientCall& call = calls_[id];
    if (completed_) {
      StatsSlot* slot = statsSlot(call);
      ConsumerStats& consumer = consumerStats(*completed_, slot);
      hash_ ^= slot ? slot->whoHash : gateway::stableHash(whoOf(*completed_));
      ++consumer.offered;
      if (r.status != 429) ++consumer.admitted;
      completed_ = nullptr;
    }
    GroupState& gs = groups_[call.group];
    const ClientGroup& cg = *gs.group;
    const TimePoint now = env_.now();
    const bool retryable = std::find(cg.retry.retryOn.begin(), cg.retry.retryOn.end(), r.status) != cg.retry.retryOn.end();
    if (retryable && call.attempt < cg.retry.maxRetries && now < scenario_.duration) {
      Duration wait = 0;
      if (cg.retry.backoff > 0) {
        // Exponential backoff with full jitter (AWS architecture blog).
        const Duration cap = cg.retry.backoff << std::min<std::uint32_t>(call.attempt, 20);
        wait = static_cast<Duration>(gs.random.uniform(static_cast<std::uint64_t>(cap) + 1));
      }
      if (cg.retry.honourRetryAfter) {
        const std::string_view ra = r.headers.get("retry-after");
        if (!ra.empty() && std::all_of(ra.begin(), ra.end(), ::isdigit) && ra.size() < 9) {
          wait = std::max<Duration>(wait, std::stoll(std::string(ra)) * gateway::kSecond);
        }
      }
      ++call.attempt;
      ++result_.retries;
      env_.scheduler().schedule(now + wait, [this, id] { sendAttempt(id); });
      return;
    }
    LatencyStats& gstats = *groupStats_[call.group];
    gstats.statuses.add(r.status);
    gstats.latency.record(now - call.firstStart);
    const std::uint32_t g = call.group, c = call.client;
    if (cg.retry.maxRetries > 0) call.request = gateway::Request{};  // else it moved to the gateway
    freeCalls_.push_back(id);
    if (cg.closedLoop) {
      const Duration think = cg.think ? cg.think->sample(gs.random) : 0;
      const TimePoint next = now + think;
      if (next < groupStop(cg)) env_.scheduler().schedule(next, [this, g, c] { newRequest(g, c); });
    }
  }

  const Scenario& scenario_;
  RunOptions options_;
  std::uint64_t seed_;
  gateway::Random root_;
  SimTransport transport_;
  SimEnv env_;
  gateway::SharedState shared_;
  gateway::Gateway gateway_;
  std::vector<GroupState> groups_;
  RunResult result_;
  SecondRow second_;
  std::int64_t secondIndex_ = 0;
  std::uint64_t hash_ = 0x5eed;
  std::string empty_;
  std::vector<LatencyStats*> routeStats_;
  std::vector<LatencyStats*> groupStats_;
  std::vector<ClientCall> calls_;
  std::vector<std::uint32_t> freeCalls_;
  static constexpr std::uint32_t kNoCall = UINT32_MAX;
  std::uint32_t handling_ = kNoCall;               // the call inside Gateway::handle, if any
  const gateway::Exchange* completed_ = nullptr;  // completed, its client not yet told
};

}  // namespace

RunResult runScenario(const Scenario& scenario, const RunOptions& options) {
  Runner runner(scenario, options);
  return runner.run();
}

}  // namespace gwsim
