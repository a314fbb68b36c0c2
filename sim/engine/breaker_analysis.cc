#include "sim/engine/breaker_analysis.h"

namespace gwsim {

bool isFailure(const FaultSpec& f) {
  return f.kind == FaultSpec::Kind::kDown || f.kind == FaultSpec::Kind::kFlapping || f.kind == FaultSpec::Kind::kReset ||
         f.kind == FaultSpec::Kind::kHang || (f.kind == FaultSpec::Kind::kAbort && f.status >= 500);
}

const FaultSpec* failureFault(const std::vector<FaultSpec>& faults, const std::string& service) {
  const FaultSpec* first = nullptr;
  for (const auto& f : faults) {
    if (isFailure(f) && (f.service.empty() || f.service == service) && (!first || f.at < first->at)) first = &f;
  }
  return first;
}

std::string failingService(const std::vector<FaultSpec>& faults) {
  for (const auto& f : faults) {
    if (isFailure(f) && !f.service.empty()) return f.service;
  }
  return {};
}

void BreakerAnalysis::onTransition(const gateway::ServiceConfig& service, const gateway::BreakerTransition& t) {
  const gateway::ServiceConfig* svc = &service;
  BreakerReport& b = reports_[svc->name];
  b.service = svc->name;
  ++b.transitionCount;
  if (b.transitions.size() < 1000) {
    b.transitions.push_back({t.at, std::string(gateway::toString(t.from)), std::string(gateway::toString(t.to)), t.reason});
  }
  const FaultSpec* fault = failureFault(faults_, svc->name);
  if (t.to == gateway::BreakerState::kOpen) {
    bool faultActive = false;
    for (const auto& f : faults_) {
      if (isFailure(f) && (f.service.empty() || f.service == svc->name) && f.activeAt(t.at)) faultActive = true;
    }
    if (!faultActive) ++b.falseTrips;
    if (fault && !b.timeToOpenS && t.at >= fault->at) b.timeToOpenS = static_cast<double>(t.at - fault->at) / 1e6;
  }
  if (t.to == gateway::BreakerState::kClosed && fault && b.timeToOpenS && !b.timeToRecoverS &&
      fault->duration != gateway::kNever && t.at >= fault->at + fault->duration) {
    b.timeToRecoverS = static_cast<double>(t.at - fault->at - fault->duration) / 1e6;
  }
}

}  // namespace gwsim
