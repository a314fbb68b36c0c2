// Faults injected into services (Toxiproxy / Envoy fault filter / Chaos Mesh kinds):
// latency with jitter, abort with a status, connection reset, hang (the caller times out),
// instance down (connect error), flapping (down for half of each period), capacity
// reduction, and a slow body (Toxiproxy's bandwidth and slicer: the answer's body trickles
// out at a byte rate). A FaultSpec is active in [at, at + duration) on one service, optionally one
// instance, with a probability per request. FaultSet evaluates the active ones for a request;
// the simulator fills it from a scenario's timeline, mock-services from its /_faults API.
// Not thread-safe; one owner.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"
#include "libgateway/core/random.h"
#include "libgateway/core/time.h"

namespace gwsim {

struct FaultSpec {
  enum class Kind { kLatency, kAbort, kReset, kHang, kDown, kFlapping, kCapacity, kSlowBody };
  Kind kind = Kind::kLatency;
  std::string service;    // empty: every service
  std::string instance;   // empty: every instance of the service
  gateway::TimePoint at = 0;
  gateway::Duration duration = gateway::kNever;  // kNever: until removed
  double probability = 1.0;                      // per request (latency, abort, reset, hang, slow_body)
  gateway::Duration latency = 0;                 // kLatency: added delay
  gateway::Duration jitter = 0;                  // kLatency: +- uniform jitter
  int status = 503;                              // kAbort
  gateway::Duration period = gateway::seconds(10);  // kFlapping: down for the first half of each period
  double capacityFactor = 0.5;                   // kCapacity: share of workers left
  std::uint64_t bytesPerSecond = 0;              // kSlowBody: the body's pace
  std::uint32_t sliceBytes = 0;                  // kSlowBody: bytes per write; 0: defaultSliceBytes()
  std::uint64_t bodyBytes = kDefaultBodyBytes;   // kSlowBody: the body size the simulator assumes

  // The simulator does not model response bodies: a slow_body fault assumes this many bytes
  // unless it says "body_bytes". mock-services paces the real body instead.
  static constexpr std::uint64_t kDefaultBodyBytes = 1024;

  bool activeAt(gateway::TimePoint now) const {
    return now >= at && (duration == gateway::kNever || now - at < duration);
  }
  bool appliesTo(const std::string& svc, const std::string& inst) const {
    return (service.empty() || service == svc) && (instance.empty() || instance == inst);
  }
  std::string describe() const;

  // {"kind": "latency", "service": "users", "instance": "users-1", "at_s": 10, "for_s": 30,
  //  "latency_ms": 200, "jitter_ms": 50, "probability": 0.5, "status": 503, "period_s": 4,
  //  "capacity": 0.25, "bytes_per_s": 1000, "slice_bytes": 100, "body_bytes": 4096}; only the
  //  fields of its kind are accepted.
  static std::optional<FaultSpec> parse(const nlohmann::json& value, const std::string& path,
                                        gateway::FieldErrors& errors);
  // The inverse of parse(): the fields of its kind (a dashboard exports live faults).
  nlohmann::json toJson() const;
};

std::string_view toString(FaultSpec::Kind kind);

// How a slow_body fault writes one answer's body: after the head, slices of `sliceBytes`,
// each sent when the rate allows it, so n body bytes take n / bytesPerSecond seconds.
struct SlowBody {
  std::uint64_t bytesPerSecond = 0;
  std::uint32_t sliceBytes = 0;   // 0: defaultSliceBytes(bytesPerSecond)
  std::uint64_t bodyBytes = FaultSpec::kDefaultBodyBytes;  // what the simulator assumes

  std::uint32_t slice() const { return sliceBytes ? sliceBytes : defaultSliceBytes(bytesPerSecond); }
  // Ten slices a second, between 1 byte and 16 KiB.
  static std::uint32_t defaultSliceBytes(std::uint64_t bytesPerSecond);
  // The time `bytes` of body take at this rate (rounded up to the microsecond).
  gateway::Duration duration(std::uint64_t bytes) const;
};

// What the active faults do to one request.
struct FaultEffect {
  bool down = false;             // refuse the connection
  bool reset = false;            // reset after the request is sent
  bool hang = false;             // never answer
  std::optional<int> abortStatus;
  gateway::Duration extraLatency = 0;
  double capacityFactor = 1.0;   // smallest factor of the active capacity faults
  std::optional<SlowBody> slowBody;  // the slowest of the slow_body faults that hit
  bool any() const {
    return down || reset || hang || abortStatus || extraLatency > 0 || capacityFactor < 1.0 || slowBody;
  }
  // Keeps the slower of the current slow body and `body`.
  void slowDown(const SlowBody& body) {
    if (!slowBody || body.bytesPerSecond < slowBody->bytesPerSecond) slowBody = body;
  }
};

class FaultSet {
 public:
  void add(FaultSpec spec) { faults_.push_back(std::move(spec)); }
  void clear() { faults_.clear(); }
  const std::vector<FaultSpec>& faults() const { return faults_; }
  // Drops faults that ended before `now`.
  void expire(gateway::TimePoint now);

  // Draws from `random` only for faults with probability < 1 or jitter, in list order, so
  // the same faults and seed give the same effects.
  FaultEffect evaluate(const std::string& service, const std::string& instance, gateway::TimePoint now,
                       gateway::Random& random) const;
  // Capacity only (no random draws), for deciding how many workers an instance has now.
  double capacityFactor(const std::string& service, const std::string& instance, gateway::TimePoint now) const;

 private:
  std::vector<FaultSpec> faults_;
};

}  // namespace gwsim
