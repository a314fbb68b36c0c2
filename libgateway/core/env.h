// The gateway core's whole view of the outside world: a clock, a scheduler, a transport
// to upstream instances and a seeded random source, injected through Env (leveldb's Env,
// Envoy's TimeSource). The real world (libgateway/net) and the simulated world (sim/)
// implement these; the core never reads a clock, opens a socket or starts a thread.
// Lifetimes: everything an Env refers to outlives every Gateway built on it. Calls on
// one Env come from one thread (one Gateway per worker thread), except Scheduler::post.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "libgateway/core/random.h"
#include "libgateway/core/time.h"
#include "libgateway/http/message.h"

namespace gateway {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

using TimerId = std::uint64_t;
using Callback = std::function<void()>;

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // Runs `callback` once at `at` (or as soon as possible after it). Never runs it inline.
  virtual TimerId schedule(TimePoint at, Callback callback) = 0;
  // Cancels a pending timer; a no-op if it already ran or was cancelled.
  virtual void cancel(TimerId id) = 0;
  // Runs `callback` soon on this scheduler's own thread, never inline. Unlike schedule() and
  // cancel(), callable from any thread: how a cache fill on one worker wakes the requests
  // waiting for it on the others. The default schedules it now, which is right for a
  // scheduler that only one thread uses (the simulator's, a test's).
  virtual void post(Callback callback) { schedule(0, std::move(callback)); }
};

// One upstream instance, as named in config: views into the config the request runs under,
// valid for the duration of UpstreamTransport::send (a transport that keeps them copies).
struct Endpoint {
  std::string_view service;   // service name
  std::string_view instance;  // instance id (unique within the service)
  std::string_view address;   // "host:port"
};

enum class UpstreamOutcome {
  kResponse,       // a complete HTTP response arrived (any status)
  kConnectError,   // could not connect (refused, unreachable, instance down)
  kProtocolError,  // the peer spoke broken HTTP or closed mid-message
  kReset,          // connection reset after the request was sent
  kTimeout,        // the deadline passed before a complete response
};

std::string_view toString(UpstreamOutcome outcome);

struct UpstreamResult {
  UpstreamOutcome outcome = UpstreamOutcome::kResponse;
  Response response;   // meaningful when outcome == kResponse
  std::string detail;  // human-readable reason for the failure kinds
  // When the request went on the wire (its first bytes written, on the transport's clock);
  // 0 when it never was (no connection, no free slot, a deadline passed first). A load
  // generator measures the latency the upstream gave from here (gwload's "uncorrected").
  TimePoint sentAt = 0;
  // The try failed because the client's streamed request body did (the client went away,
  // sent too much or broke its chunking): not the upstream's fault, so it counts against no
  // breaker, outlier detector or adaptive limit.
  bool clientFault = false;
};

class UpstreamTransport {
 public:
  virtual ~UpstreamTransport() = default;
  // Sends one request to one instance. `done` is called exactly once, never inline, with the
  // result; a transport must report kTimeout no later than shortly after `deadline`.
  virtual void send(const Endpoint& endpoint, Request request, TimePoint deadline,
                    std::function<void(UpstreamResult)> done) = 0;
  // True when the transport reports kTimeout exactly at `deadline` on the gateway's own clock
  // (the simulated one does): the gateway then keeps no deadline timer of its own per try.
  virtual bool timesOutAtDeadline() const { return false; }
};

class ClusterStore;

struct Env {
  Clock& clock;
  Scheduler& scheduler;
  UpstreamTransport& transport;
  Random& random;
  // Cluster-scoped rate limits ask it (libgateway/ratelimit/cluster_store.h); null: there is no
  // cluster store, and such limits act as if it were down (their on_failure applies).
  ClusterStore* clusterStore = nullptr;
};

}  // namespace gateway
