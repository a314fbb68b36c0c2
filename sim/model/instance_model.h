// The capacity model of one service instance: `workers` requests are served at once, up to
// `queue` more wait in FIFO order, and a request arriving to a full queue is refused with
// 503 at once. Service times come from a LatencyDistribution, stretched while the queue is
// filling (`overload_slowdown`: x(1 + k * queued/queue), a stand-in for contention), and a
// share of requests fail with `error_status`. World-agnostic: the simulator drives it with
// virtual time and mock-services with real timers. Not thread-safe; one owner.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"
#include "sim/model/latency_distribution.h"

namespace gwsim {

struct InstanceSpec {
  std::uint32_t workers = 8;
  std::uint32_t queue = 64;
  LatencyDistribution latency = LatencyDistribution::constant(gateway::millis(10));
  double errorRate = 0.0;
  int errorStatus = 500;
  double overloadSlowdown = 0.0;

  // {"workers": 8, "queue": 64, "latency": {...}, "error_rate": 0.01, "error_status": 500,
  //  "overload_slowdown": 1.0}; every field optional.
  static std::optional<InstanceSpec> parse(const nlohmann::json& value, const std::string& path,
                                           gateway::FieldErrors& errors);
  // An instance's override: the service `model`'s fields (null: none) with the override's on
  // top, a field given replacing the model's whole. A mistake in a field it inherits is the
  // model's, reported at the model's path: only the override's own fields are reported here.
  static std::optional<InstanceSpec> parseOverride(const nlohmann::json* model, const nlohmann::json& value,
                                                   const std::string& path, gateway::FieldErrors& errors);
};

class InstanceModel {
 public:
  explicit InstanceModel(InstanceSpec spec) : spec_(std::move(spec)) {}

  struct Work {
    std::uint64_t job = 0;           // the caller's token for the request
    gateway::Duration serviceTime = 0;
    int status = 200;                // 200, or error_status for the error share
  };
  enum class Admission { kStarted, kQueued, kRejected };

  // A request arrives. kStarted fills `started`; kQueued keeps `job` until a worker frees;
  // kRejected means answer 503 now. `workerLimit` lowers capacity (a capacity fault); 0 = spec.
  Admission arrive(std::uint64_t job, gateway::Random& random, Work& started, std::uint32_t workerLimit = 0);
  // A worker finished; startWaiting then gives it the next queued request.
  void release() {
    if (busy_ > 0) --busy_;
  }
  // Starts queued requests, first come first, while a worker is free under `workerLimit`,
  // passing each to `start`. Call it after release and after a queued arrival: after the
  // limit rose (a capacity fault ended) several workers may be free at once.
  template <typename Start>
  void startWaiting(gateway::Random& random, std::uint32_t workerLimit, Start&& start) {
    while (auto next = startNext(random, workerLimit)) start(*next);
  }
  // Removes a queued job that the caller gave up on (its deadline passed). True if found.
  bool abandon(std::uint64_t job);

  std::uint32_t busy() const { return busy_; }
  std::size_t queued() const { return queue_.size(); }
  const InstanceSpec& spec() const { return spec_; }

 private:
  Work start(std::uint64_t job, gateway::Random& random);
  // The first queued request, started, if a worker is free under `workerLimit`.
  std::optional<Work> startNext(gateway::Random& random, std::uint32_t workerLimit);

  InstanceSpec spec_;
  std::uint32_t busy_ = 0;
  std::deque<std::uint64_t> queue_;
};

}  // namespace gwsim
