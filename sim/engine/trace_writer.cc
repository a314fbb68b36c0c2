#include "sim/engine/trace_writer.h"

#include <string>

#include <fmt/format.h>

#include "sim/report/run_result.h"

namespace gwsim {

TraceWriter::TraceWriter(std::FILE* out) : out_(out) {
  if (out_) {
    std::fputs("start_us,end_us,client,consumer,method,target,route,limiter,service,instance,outcome,status,latency_us,upstream_us\n",
               out_);
  }
}

void TraceWriter::write(const gateway::Exchange& ex, const gateway::Response& response) const {
  static const std::string kEmpty;
  const gateway::RouteConfig* route = ex.route();
  const gateway::ServiceConfig* svc = ex.service();
  const gateway::UpstreamRecord* upstream = ex.upstream();
  const gateway::RateLimitRecord& limit = ex.rateLimit();
  const std::string& instance = svc ? svc->instances[upstream->instanceIndex].id : kEmpty;
  fmt::print(out_, "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", ex.start, ex.end, ex.request.clientAddress,
             ex.consumer, ex.request.method, ex.request.target, route ? route->name : kUnrouted,
             limit.policy ? limit.decision() : std::string("-"), svc ? svc->name : "-",
             instance.empty() ? "-" : instance, ex.outcome, response.status, ex.end - ex.start,
             upstream ? upstream->tryEnd - upstream->tryStart : 0);
}

}  // namespace gwsim
