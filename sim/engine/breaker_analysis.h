// Circuit breakers against the scenario's fault timeline: transitions per service, false trips
// (OPEN with no failure fault active), time to open and to recover. One thread, not
// thread-safe; the faults and the reports are the caller's and must outlive it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "libgateway/pipeline/exchange.h"
#include "sim/model/fault.h"
#include "sim/report/run_result.h"

namespace gwsim {

// A fault that makes its service fail (down, flapping, reset, hang, abort >= 500), as opposed
// to one that only slows it down.
bool isFailure(const FaultSpec& fault);
// The first failure fault that hits `service` (the one time-to-open is measured from).
const FaultSpec* failureFault(const std::vector<FaultSpec>& faults, const std::string& service);
// The service named by the first failure fault that names one; empty when none does.
std::string failingService(const std::vector<FaultSpec>& faults);

class BreakerAnalysis {
 public:
  BreakerAnalysis(const std::vector<FaultSpec>& faults, std::map<std::string, BreakerReport>& reports)
      : faults_(faults), reports_(reports) {}

  // `service`'s breaker made transition `t`.
  void onTransition(const gateway::ServiceConfig& service, const gateway::BreakerTransition& t);

 private:
  const std::vector<FaultSpec>& faults_;
  std::map<std::string, BreakerReport>& reports_;
};

}  // namespace gwsim
