#include "tools/gwload/scenario_replay.h"

#include <chrono>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "libgateway/core/random.h"
#include "libgateway/net/steady_clock.h"
#include "sim/engine/client_traffic.h"
#include "sim/report/expectations.h"
#include "tools/gwload/scenario_clock.h"

namespace gwload {

namespace {

// The client side of a real replay: what each client group saw, by group and in total.
// (Per route and per try, the sink counts.)
class ReplayCallRecorder final : public gwsim::CallRecorder {
 public:
  ReplayCallRecorder(const gwsim::Scenario& scenario, gwsim::RunResult& result) {
    for (const auto& g : scenario.clients) groups_.push_back(&result.groups[g.name]);
  }
  void enterGateway(std::uint32_t, std::uint32_t) override {}
  void leaveGateway() override {}
  void countAnswer(std::uint32_t, std::uint32_t, int) override {}
  void recordCall(std::uint32_t group, int status, gateway::Duration latency, std::size_t) override {
    groups_[group]->statuses.add(status);
    groups_[group]->latency.record(latency);
  }

 private:
  std::vector<gwsim::LatencyStats*> groups_;
};

// The fault timeline in real time: at_s, for_s and period_s divided by the speed.
nlohmann::json realTimeFault(const gwsim::FaultSpec& fault, double speed) {
  nlohmann::json j = fault.toJson();
  for (const char* key : {"at_s", "for_s", "period_s"}) {
    if (j.contains(key)) j[key] = j[key].get<double>() / speed;
  }
  return j;
}

}  // namespace

ReplayOutcome replayScenario(const gwsim::Scenario& scenario, const ReplayOptions& options) {
  ReplayOutcome out;
  gwsim::RunResult& result = out.result;
  result.scenario = scenario.name;
  result.seed = scenario.seed;

  gateway::net::SteadyClock realClock;
  gateway::net::EventLoop loop(realClock, gateway::millis(20));
  ReplaySink sink(loop, scenario.gateway, options.gateway, options.timeout, options.maxConnections, result);
  const auto wallStart = std::chrono::steady_clock::now();

  std::unique_ptr<ScenarioClock> clock;
  std::unique_ptr<gwsim::ClientTraffic> traffic;
  ReplayCallRecorder recorder(scenario, result);
  const gateway::Random root(scenario.seed);

  std::function<void()> tick;  // the once-a-second check for the end, and the progress line
  auto startTraffic = [&] {
    clock = std::make_unique<ScenarioClock>(realClock, loop.scheduler(), options.speed);
    traffic = std::make_unique<gwsim::ClientTraffic>(scenario, root, *clock, *clock, sink, recorder);
    traffic->start();
    // The end: the scenario's duration, then calls still open (answers out, retries already
    // decided), up to the drain.
    const gateway::TimePoint end = clock->toReal(scenario.duration);
    const gateway::TimePoint drainEnd = end + options.drain;
    tick = [&, end, drainEnd] {
      const gateway::TimePoint now = realClock.now();
      if (options.progress) {
        options.progress(fmt::format("t={:.0f}s  requests {}  in flight {}  no answer {}",
                                     static_cast<double>(clock->toScenario(now)) / 1e6, result.gatewayRequests,
                                     sink.inFlight(), sink.noAnswer().total()));
      }
      // A gateway that refused every connection for a whole second is not there: stop.
      const std::uint64_t answered = result.gatewayRequests - sink.inFlight();  // a try may still be out
      const bool noneConnected = answered > 0 && sink.noAnswer().connect == answered;
      const bool nobodyThere = noneConnected && now >= clock->toReal(gateway::seconds(1));
      // After the end, calls still open finish as in gwsim: answers still out, and retries
      // already decided (held by a backoff or Retry-After), up to the drain.
      if (nobodyThere || (now >= end && (traffic->openCalls() == 0 || now >= drainEnd))) {
        out.unanswered = sink.inFlight();
        out.unsentRetries = traffic->openCalls() - std::min<std::size_t>(traffic->openCalls(), sink.inFlight());
        out.nobodyThere = noneConnected;  // a scenario shorter than a second included
        result.simulated = clock->toScenario(now);  // the scenario's time covered, drain included (as gwsim's)
        sink.close();
        loop.stop();
        return;
      }
      loop.scheduler().schedule(std::min(now + gateway::seconds(1), std::max(end, now + gateway::millis(50))),
                                [&] { tick(); });
    };
    loop.scheduler().schedule(realClock.now() + gateway::millis(50), [&] { tick(); });
  };

  // The fault timeline, posted before the first request so each fault starts at its own time
  // (mock-services counts at_s from the post), over a connection pool of its own so that it
  // counts in no route. A fault refused or not delivered stops the replay before it starts.
  gateway::net::UpstreamStats controlStats;
  gateway::net::PooledTransport control(loop, gateway::net::UpstreamOptions{}, controlStats,
                                        [](std::string_view) { return gateway::seconds(2); });
  const std::size_t faultCount = options.mockAdmin.empty() ? 0 : scenario.faults.size();
  std::size_t faultsOut = faultCount;
  if (faultCount == 0) loop.post(startTraffic);
  for (std::size_t i = 0; i < faultCount; ++i) {
    const gwsim::FaultSpec& fault = scenario.faults[i];
    gateway::Request post;
    post.method = "POST";
    post.target = "/_faults";
    post.headers.set("Host", options.mockAdmin);
    post.headers.set("Content-Type", "application/json");
    post.body = realTimeFault(fault, options.speed).dump();
    const gateway::Endpoint admin{"mock-services", "admin", options.mockAdmin};
    control.send(admin, std::move(post), realClock.now() + gateway::seconds(5),
                 [&, what = fault.describe()](gateway::UpstreamResult r) {
                   if (r.outcome != gateway::UpstreamOutcome::kResponse) {
                     out.faultErrors.push_back(fmt::format("{}: mock-services at {}: {}", what, options.mockAdmin, r.detail));
                   } else if (r.response.status < 200 || r.response.status > 299) {
                     out.faultErrors.push_back(fmt::format("{}: mock-services answered {} {}", what, r.response.status,
                                                           r.response.body));
                   }
                   if (--faultsOut == 0) {
                     control.closeAll();
                     if (out.faultErrors.empty()) startTraffic();
                     else loop.stop();
                   }
                 });
  }
  loop.run();

  result.clientRequests = traffic ? traffic->clientRequests() : 0;
  result.retries = traffic ? traffic->retries() : 0;
  out.noAnswer = sink.noAnswer();
  out.noAnswerByRoute = sink.noAnswerByRoute();
  out.connectionsOpened = sink.connections().connectionsOpened.load();
  out.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  result.wallSeconds = out.wallSeconds;
  gwsim::checkExpectations(scenario.expectations, result);
  return out;
}

}  // namespace gwload
