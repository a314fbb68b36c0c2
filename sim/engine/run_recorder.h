// The Gateway's ExchangeObserver that records a run into its RunResult: per route, group and
// consumer, per second, the trace hash, breaker transitions and trace lines. One thread, not
// thread-safe; the scenario, trace file and RunResult are the caller's and must outlive it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "libgateway/core/random.h"
#include "libgateway/pipeline/exchange.h"
#include "sim/engine/breaker_analysis.h"
#include "sim/engine/trace_writer.h"
#include "sim/engine/traffic_world.h"
#include "sim/report/run_result.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

class RunRecorder final : public gateway::ExchangeObserver, public CallRecorder {
 public:
  RunRecorder(const Scenario& scenario, std::FILE* trace, RunResult& result);
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  void onAdmitted(const gateway::Exchange& ex) override;
  void onBreakerTransition(const gateway::Exchange& ex, const gateway::ServiceConfig& service,
                           const gateway::BreakerTransition& t) override;
  void onComplete(const gateway::Exchange& ex, const gateway::Response& response) override;

  // The client traffic tells which client's call is inside Gateway::handle, so an admission
  // there is counted in that client's remembered consumer entry, without a lookup.
  void enterGateway(std::uint32_t group, std::uint32_t client) override {
    handlingGroup_ = group;
    handlingClient_ = client;
  }
  void leaveGateway() override { handlingGroup_ = kNoGroup; }
  // A client got the answer to the exchange that completed last: counted for its consumer.
  // Defined here so that the per-request path from the client traffic stays one call.
  void countAnswer(std::uint32_t group, std::uint32_t client, int status) override {
    if (!completed_) return;
    StatsSlot* slot = statsSlot(group, client);
    ConsumerStats& consumer = consumerStats(*completed_, slot);
    hash_ ^= slot ? slot->whoHash : gateway::stableHash(whoOf(*completed_));
    ++consumer.offered;
    if (status != 429) ++consumer.admitted;
    completed_ = nullptr;
  }
  // A client's call is over, retries included; `latency` runs from its first try, and
  // `bodyBytes` is the size of the answer the client kept.
  void recordCall(std::uint32_t group, int status, gateway::Duration latency, std::size_t bodyBytes) override {
    LatencyStats& s = *groupStats_[group];
    s.statuses.add(status);
    s.latency.record(latency);
    if (content_) *groupBytes_[group] += bodyBytes;
  }

  // After the last event: closes the per-second series and stores the trace hash.
  void finish();
  // So far: the trace hash of the exchanges completed (finish() stores the last one), and how many.
  std::uint64_t traceHash() const { return hash_; }
  std::uint64_t completed() const { return completedCount_; }

 private:
  using ConsumerEntry = std::unordered_map<std::string, ConsumerStats>::value_type;
  // A client's remembered consumer-stats entry, with the trace-hash term of its key.
  struct StatsSlot {
    ConsumerEntry* entry = nullptr;
    std::uint64_t whoHash = 0;
  };
  static constexpr std::uint32_t kNoGroup = UINT32_MAX;

  // Fairness and overshoot are measured per consumer (or per client when anonymous).
  static const std::string& whoOf(const gateway::Exchange& ex) {
    return ex.consumer.empty() ? ex.request.clientAddress : ex.consumer;
  }
  StatsSlot* statsSlot(std::uint32_t group, std::uint32_t client) {
    auto& slots = slots_[group];
    return client < slots.size() ? &slots[client] : nullptr;
  }
  ConsumerStats& consumerStats(const gateway::Exchange& ex, StatsSlot* slot = nullptr);
  void initConsumer(ConsumerStats& cs, const gateway::Exchange& ex);
  inline void flushSeconds(std::int64_t upTo);  // inline: folds into onComplete (run_recorder.cc)
  void recordContent(const gateway::Exchange& ex, const gateway::Response& response);

  const Scenario& scenario_;
  RunResult& result_;
  TraceWriter trace_;
  BreakerAnalysis breakers_;
  std::vector<LatencyStats*> routeStats_;  // by route index
  std::vector<LatencyStats*> groupStats_;  // by group index
  // Content (result_.content.enabled): body bytes by route index (the last: unrouted) and group.
  bool content_ = false;
  std::vector<std::uint64_t*> routeBytes_;
  std::vector<std::uint64_t*> groupBytes_;
  // Per group, per client (groups of up to 65,536 clients): the consumer-stats entry it was
  // last counted in; checked against the key before use, as a client's consumer may change.
  std::vector<std::vector<StatsSlot>> slots_;
  SecondRow second_{};
  std::int64_t secondIndex_ = 0;
  std::uint64_t hash_ = 0x5eed;
  std::uint64_t completedCount_ = 0;
  std::uint32_t handlingGroup_ = kNoGroup;  // the client whose call is inside Gateway::handle
  std::uint32_t handlingClient_ = 0;
  const gateway::Exchange* completed_ = nullptr;  // completed, its client not yet told
};

}  // namespace gwsim
