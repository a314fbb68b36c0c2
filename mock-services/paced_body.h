// A slow_body fault's answer (Toxiproxy's bandwidth and slicer toxics): the body goes out as a
// stream, one slice at a time, each written when the body so far has taken its time at the
// rate since the answer started (so late timers do not add up), so the whole body takes
// size / rate. The server writes the head at once and each slice as it comes. Timers on the
// fleet's loop; nothing blocks. Stops when the client side lets go of the stream.
#pragma once

#include <memory>
#include <string>

#include "libgateway/core/env.h"
#include "libgateway/http/message.h"
#include "sim/model/fault.h"

namespace gateway::mock {

// Turns `response` (a whole body) into one whose body streams at `pace`.
void paceBody(Response& response, const gwsim::SlowBody& pace, Scheduler& scheduler, const Clock& clock);

}  // namespace gateway::mock
