#include "sim/engine/client_traffic.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace gwsim {

using gateway::Duration;
using gateway::TimePoint;

namespace {

std::string clientAddress(std::size_t g, std::uint32_t c) {
  // Labels only (nothing is sent anywhere): loopback-range strings, unique per client.
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "127.%u.%u.%u", static_cast<unsigned>((g + 1) & 255),
                              static_cast<unsigned>((c >> 8) & 255), static_cast<unsigned>(c & 255));
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

ClientTraffic::ClientTraffic(const Scenario& scenario, const gateway::Random& root, gateway::Clock& clock,
                             gateway::Scheduler& scheduler, CallSink& sink, CallRecorder& recorder)
    : scenario_(scenario), clock_(clock), scheduler_(scheduler), sink_(sink), recorder_(recorder) {
  for (std::size_t g = 0; g < scenario.clients.size(); ++g) {
    const std::string& name = scenario.clients[g].name;
    groups_.push_back(GroupState{&scenario.clients[g], root.stream("client/" + name), root.stream("client-retry/" + name), {}});
    if (scenario.clients[g].count <= 65536) {
      for (std::uint32_t c = 0; c < scenario.clients[g].count; ++c) groups_.back().addresses.push_back(clientAddress(g, c));
    }
  }
}

void ClientTraffic::start() {
  for (std::size_t g = 0; g < groups_.size(); ++g) startGroup(g);
}

TimePoint ClientTraffic::groupStop(const ClientGroup& g) const { return std::min(g.stop, scenario_.duration); }

void ClientTraffic::startGroup(std::size_t g) {
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
      if (at < groupStop(cg)) scheduler_.schedule(at, [this, g, c, at] { newRequest(g, c, at); });
    }
    return;
  }
  scheduleArrival(g, cg.start, true);
}

// Replays a recorded trace: one event at a time, so memory does not grow with its length.
void ClientTraffic::scheduleReplay(std::size_t g, std::size_t index) {
  const ClientGroup& cg = *groups_[g].group;
  if (index >= cg.replay->size()) return;
  const RecordedRequest& rec = (*cg.replay)[index];
  if (rec.at >= groupStop(cg) || rec.at < cg.start) return;
  scheduler_.schedule(rec.at, [this, g, index] {
    const ClientGroup& group = *groups_[g].group;
    const RecordedRequest& r = (*group.replay)[index];
    const std::uint32_t id = allocCall();
    ClientCall& call = calls_[id];
    call.group = static_cast<std::uint32_t>(g);
    call.client = 0;
    call.attempt = 0;
    call.firstStart = r.at;
    call.request = gateway::Request{};
    call.request.method = r.method;
    call.request.target = r.target;
    call.request.clientAddress = r.client.empty() ? clientAddress(g, 0) : r.client;
    if (!r.apiKey.empty()) call.request.headers.set(group.apiKeyHeader, r.apiKey);
    ++clientRequests_;
    sendAttempt(id);
    scheduleReplay(g, index + 1);
  });
}

void ClientTraffic::scheduleArrival(std::size_t g, TimePoint from, bool first) {
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
  // The next arrival counts from this one's intended time, not from when its timer fired: in
  // real time (gwload scenario) a late timer must not stretch every later gap. In virtual
  // time the two are the same.
  scheduler_.schedule(t, [this, g, t] {
    GroupState& state = groups_[g];
    const auto client = static_cast<std::uint32_t>(state.random.uniform(state.group->count));
    newRequest(g, client, t);
    scheduleArrival(g, t);
  });
}

std::uint32_t ClientTraffic::allocCall() {
  if (!freeCalls_.empty()) {
    const std::uint32_t i = freeCalls_.back();
    freeCalls_.pop_back();
    return i;
  }
  calls_.emplace_back();
  return static_cast<std::uint32_t>(calls_.size() - 1);
}

void ClientTraffic::newRequest(std::size_t g, std::uint32_t c, TimePoint intended) {
  GroupState& gs = groups_[g];
  const ClientGroup& cg = *gs.group;
  const std::uint32_t id = allocCall();
  ClientCall& call = calls_[id];
  call.group = static_cast<std::uint32_t>(g);
  call.client = c;
  call.attempt = 0;
  call.firstStart = intended;  // a client's latency counts from when it meant to send
  cg.mix.make(gs.random, call.request);
  call.request.clientAddress = gs.addresses.empty() ? clientAddress(g, c) : gs.addresses[c];
  if (!cg.apiKeys.empty()) call.request.headers.set(cg.apiKeyHeader, cg.apiKeys[c % cg.apiKeys.size()]);
  ++clientRequests_;
  sendAttempt(id);
}

void ClientTraffic::sendAttempt(std::uint32_t id) {
  if (clientLatency_ > 0) {
    scheduler_.schedule(clock_.now() + clientLatency_, [this, id] { enterGateway(id); });
  } else {
    enterGateway(id);
  }
}

void ClientTraffic::enterGateway(std::uint32_t id) {
  ClientCall& call = calls_[id];
  const ClientGroup& cg = *groups_[call.group].group;
  ++gatewayRequests_;
  recorder_.enterGateway(call.group, call.client);
  if (arrivals_ && *arrivals_) (*arrivals_)(Arrival{clock_.now(), call.group, call.client, &call.request});
  // A client that may retry keeps its request; otherwise it moves.
  sink_.handle(cg.retry.maxRetries > 0 ? gateway::Request(call.request) : std::move(call.request),
               [this, id](gateway::Response r) { onGatewayAnswer(id, std::move(r)); });
  recorder_.leaveGateway();
}

void ClientTraffic::onGatewayAnswer(std::uint32_t id, gateway::Response r) {
  ClientCall& call = calls_[id];
  // Counted for its consumer now: the recorder pairs it with the exchange that just completed.
  recorder_.countAnswer(call.group, call.client, r.status);
  if (clientLatency_ == 0) {
    onClientResponse(id, r);
    return;
  }
  call.answer = std::move(r);
  scheduler_.schedule(clock_.now() + clientLatency_, [this, id] {
    const gateway::Response answer = std::move(calls_[id].answer);
    calls_[id].answer = gateway::Response{};
    onClientResponse(id, answer);
  });
}

void ClientTraffic::onClientResponse(std::uint32_t id, const gateway::Response& r) {
  ClientCall& call = calls_[id];
  GroupState& gs = groups_[call.group];
  const ClientGroup& cg = *gs.group;
  const TimePoint now = clock_.now();
  const bool retryable = std::find(cg.retry.retryOn.begin(), cg.retry.retryOn.end(), r.status) != cg.retry.retryOn.end();
  if (retryable && call.attempt < cg.retry.maxRetries && now < scenario_.duration) {
    Duration wait = 0;
    if (cg.retry.backoff > 0) {
      // Exponential backoff with full jitter (AWS architecture blog).
      const Duration cap = cg.retry.backoff << std::min<std::uint32_t>(call.attempt, 20);
      wait = static_cast<Duration>(gs.retryRandom.uniform(static_cast<std::uint64_t>(cap) + 1));
    }
    if (cg.retry.honourRetryAfter) {
      const std::string_view ra = r.headers.get("retry-after");
      if (!ra.empty() && std::all_of(ra.begin(), ra.end(), ::isdigit) && ra.size() < 9) {
        wait = std::max<Duration>(wait, std::stoll(std::string(ra)) * gateway::kSecond);
      }
    }
    ++call.attempt;
    ++retries_;
    scheduler_.schedule(now + wait, [this, id] { sendAttempt(id); });
    return;
  }
  recorder_.recordCall(call.group, r.status, now - call.firstStart, r.body.size());
  const std::uint32_t g = call.group, c = call.client;
  if (cg.retry.maxRetries > 0) call.request = gateway::Request{};  // else it moved to the gateway
  freeCalls_.push_back(id);
  if (cg.closedLoop) {
    const Duration think = cg.think ? cg.think->sample(gs.random) : 0;
    const TimePoint next = now + think;
    if (next < groupStop(cg)) scheduler_.schedule(next, [this, g, c, next] { newRequest(g, c, next); });
  }
}

}  // namespace gwsim
