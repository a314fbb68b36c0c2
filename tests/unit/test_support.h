// Shared fixtures for the unit tests: config loading that fails the test loudly, a fake
// upstream transport that records sends and lets the test complete them later, and a
// Gateway wired to a manual clock and scheduler, its upstream a FaultInjectingTransport over
// the fake (rules inject outages; without rules every send reaches the fake). Test-only;
// single-threaded.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/config_loader.h"
#include "libgateway/core/fault_injecting_transport.h"
#include "libgateway/core/manual_time.h"
#include "libgateway/pipeline/gateway.h"
#include "libgateway/ratelimit/limiter_spec.h"

namespace gateway::testing {

// Parses a config that must be valid; a failure names every error.
inline std::shared_ptr<const Config> mustLoad(const nlohmann::json& doc) {
  ConfigLoad load = loadConfigJson(doc);
  EXPECT_TRUE(load.ok()) << load.errors.text();
  return load.config;
}

inline std::shared_ptr<const Config> mustParse(std::string_view text) {
  ConfigLoad load = parseConfig(text);
  EXPECT_TRUE(load.ok()) << load.errors.text();
  return load.config;
}

// Records every send; the test answers them (or not) whenever it wants. Never answers
// inline, as the UpstreamTransport contract requires.
class FakeTransport final : public UpstreamTransport {
 public:
  struct Send {
    Endpoint endpoint;
    Request request;
    TimePoint deadline = 0;
    std::function<void(UpstreamResult)> done;
  };

  void send(const Endpoint& endpoint, Request request, TimePoint deadline,
            std::function<void(UpstreamResult)> done) override {
    sends.push_back(Send{endpoint, std::move(request), deadline, std::move(done)});
    ++total;
  }
  bool timesOutAtDeadline() const override { return answersAtDeadline; }

  // Completes the oldest pending send.
  void complete(UpstreamResult result) {
    ASSERT_FALSE(sends.empty());
    auto done = std::move(sends.front().done);
    sends.pop_front();
    done(std::move(result));
  }
  void respond(int status, std::string body = {}, Headers headers = {}) {
    UpstreamResult r;
    r.response.status = status;
    r.response.body = std::move(body);
    r.response.headers = std::move(headers);
    complete(std::move(r));
  }
  void fail(UpstreamOutcome outcome, std::string detail = {}) {
    UpstreamResult r;
    r.outcome = outcome;
    r.detail = std::move(detail);
    complete(std::move(r));
  }

  std::deque<Send> sends;  // not yet completed, oldest first
  std::size_t total = 0;
  bool answersAtDeadline = false;  // what timesOutAtDeadline() declares
};

// A Gateway in frozen time: ManualClock at 1 s, ManualScheduler, FaultInjectingTransport over
// a FakeTransport, seeded Random.
class GatewayHarness {
 public:
  explicit GatewayHarness(std::shared_ptr<const Config> config, std::uint64_t seed = 42)
      : clock(seconds(1)),
        scheduler(clock),
        random(seed),
        faultRandom(random.stream("faults")),
        faults(transport, scheduler, clock, faultRandom),
        env{clock, scheduler, faults, random},
        shared(std::move(config)),
        gateway(shared, env) {}

  // Handles a request and returns the response slot (empty until answered).
  std::shared_ptr<std::optional<Response>> start(Request request) {
    auto slot = std::make_shared<std::optional<Response>>();
    gateway.handle(std::move(request), [slot, this](Response r) {
      EXPECT_FALSE(slot->has_value()) << "done called twice";
      *slot = std::move(r);
      ++answered;
    });
    return slot;
  }

  // Fires the timers due now: injected faults answer through the scheduler, never inline.
  std::size_t runDue() { return scheduler.runUntil(clock.now()); }

  std::int64_t instanceInFlight(std::size_t service, std::size_t instance) const {
    return shared.runtime()->service(service).inFlight->get(instance);
  }

  ManualClock clock;
  ManualScheduler scheduler;
  FakeTransport transport;
  Random random;
  Random faultRandom;  // its own stream: a probability rule never moves the gateway's draws
  FaultInjectingTransport faults;
  Env env;
  SharedState shared;
  Gateway gateway;
  std::size_t answered = 0;
};

// True for a lower-case RFC 9562 version-4 UUID, the form of generated correlation ids.
inline bool isUuidV4(const std::string& id) {
  static const std::regex kUuidV4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  return std::regex_match(id, kUuidV4);
}

// A rate-based limiter (token bucket, GCRA, leaky bucket): `rateMilli` in thousandths of a
// request per second.
inline LimiterSpec rateSpec(LimiterAlgorithm algorithm, std::int64_t rateMilli, std::int64_t burst) {
  LimiterSpec spec;
  spec.algorithm = algorithm;
  spec.rateMilli = rateMilli;
  spec.burst = burst;
  return spec;
}

inline Request makeRequest(std::string method, std::string target, Headers headers = {},
                           std::string clientAddress = "192.0.2.10:51000") {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.clientAddress = std::move(clientAddress);
  return r;
}

}  // namespace gateway::testing
