// What the scenario's client traffic needs from the world it runs in, so the same arrivals,
// request mix and client retries drive the Gateway in virtual time (gwsim) and a real
// gatewayd over HTTP in real time (gwload scenario). Interfaces only; each world's
// implementations say their own thread-safety (both are used from one thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "libgateway/core/time.h"
#include "libgateway/http/message.h"

namespace gwsim {

// Where a client's request goes: the in-process Gateway, or a real gateway over HTTP.
// `done` is called exactly once with the answer the client sees (a transport failure as the
// status a client would count, e.g. 599 for no answer).
class CallSink {
 public:
  virtual ~CallSink() = default;
  virtual void handle(gateway::Request request, std::function<void(gateway::Response)> done) = 0;
};

// What the client traffic tells about each call. RunRecorder implements it for gwsim.
class CallRecorder {
 public:
  virtual ~CallRecorder() = default;
  // The call of (group, client) is inside CallSink::handle between these two.
  virtual void enterGateway(std::uint32_t group, std::uint32_t client) = 0;
  virtual void leaveGateway() = 0;
  // A client got an answer (each try, retries included).
  virtual void countAnswer(std::uint32_t group, std::uint32_t client, int status) = 0;
  // A client's call is over, retries included; `latency` runs from its first try, and
  // `bodyBytes` is the size of the answer the client kept.
  virtual void recordCall(std::uint32_t group, int status, gateway::Duration latency, std::size_t bodyBytes) = 0;
};

}  // namespace gwsim
