#include "sim/engine/fleet.h"

#include "libgateway/pipeline/cluster_limit.h"
#include "libgateway/pipeline/stage_list.h"

namespace gwsim {

Fleet::Fleet(const GatewayFleetSpec& spec, std::shared_ptr<const gateway::Config> config, gateway::Gateway& first,
             gateway::SharedState& firstShared, gateway::Env& firstEnv, const gateway::Random& root,
             gateway::Duration unixOffset)
    : spec_(spec), env_(firstEnv), store_(firstEnv.scheduler, firstEnv.clock) {
  store_.setLatency(spec.redisLatency);
  store_.setTimeout(config->rateLimits.cluster.timeout);
  firstEnv.clusterStore = &store_;
  for (std::uint32_t i = 0; i < spec.instances; ++i) {
    auto in = std::make_unique<Instance>();
    if (i == 0) {
      in->shared = &firstShared;
      in->gateway = &first;
    } else {
      in->ownShared = std::make_unique<gateway::SharedState>(config);
      in->ownShared->setUnixTimeOffset(unixOffset);
      in->shared = in->ownShared.get();
      // Its own stream: instance 0 draws exactly as a single gateway does.
      in->random = root.stream("gateway", i);
      in->ownEnv = std::make_unique<gateway::Env>(
          gateway::Env{firstEnv.clock, firstEnv.scheduler, firstEnv.transport, in->random, &store_});
      in->ownGateway = std::make_unique<gateway::Gateway>(*in->shared, *in->ownEnv);
      in->gateway = in->ownGateway.get();
      gateway::installStandardStages(*in->gateway, *in->shared, *in->ownEnv);
    }
    instances_.push_back(std::move(in));
  }
}

// The first Env outlives the fleet (the run's): it must not keep pointing at this store.
Fleet::~Fleet() { env_.clusterStore = nullptr; }

void Fleet::setObserver(gateway::ExchangeObserver* observer) {
  for (auto& in : instances_) in->gateway->setObserver(observer);
}

void Fleet::reload(const std::shared_ptr<const gateway::Config>& config) {
  for (auto& in : instances_) in->gateway->reload(config);
}

void Fleet::scheduleOutages() {
  for (const auto& o : spec_.outages) {
    auto set = [this, instance = o.instance](bool up) {
      if (instance < 0) store_.setDown(!up);
      else instances_[static_cast<std::size_t>(instance)]->up = up;
    };
    env_.scheduler.schedule(o.at, [set] { set(false); });
    if (o.duration != gateway::kNever) env_.scheduler.schedule(o.at + o.duration, [set] { set(true); });
  }
}

int Fleet::pick() {
  const std::size_t n = instances_.size();
  int best = -1;
  switch (spec_.balancer) {
    case GatewayFleetSpec::Balancer::kRoundRobin:
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = (cursor_ + k) % n;
        if (instances_[i]->up) {
          cursor_ = i + 1;
          return static_cast<int>(i);
        }
      }
      return -1;
    case GatewayFleetSpec::Balancer::kLeastConnections:
      // Ties go round: the search starts after the last one picked.
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = (cursor_ + k) % n;
        if (instances_[i]->up && (best < 0 || instances_[i]->inFlight < instances_[static_cast<std::size_t>(best)]->inFlight)) {
          best = static_cast<int>(i);
        }
      }
      if (best >= 0) cursor_ = static_cast<std::size_t>(best) + 1;
      return best;
    case GatewayFleetSpec::Balancer::kWeighted: {
      // Smooth weighted round robin (NGINX): each up instance gains its weight, the richest
      // is picked and pays the total.
      std::int64_t total = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (!instances_[i]->up) continue;
        instances_[i]->current += spec_.weights[i];
        total += spec_.weights[i];
        if (best < 0 || instances_[i]->current > instances_[static_cast<std::size_t>(best)]->current) best = static_cast<int>(i);
      }
      if (best >= 0) instances_[static_cast<std::size_t>(best)]->current -= total;
      return best;
    }
  }
  return -1;
}

void Fleet::handle(gateway::Request request, std::function<void(gateway::Response)> done) {
  if (instances_.size() == 1 && instances_[0]->up) {
    // One gateway: straight through, as before there were fleets (no callback wrapped).
    ++instances_[0]->requests;
    return instances_[0]->gateway->handle(std::move(request), std::move(done));
  }
  const int i = pick();
  if (i < 0) {
    ++noInstance_;
    gateway::Response r;
    r.status = 503;
    r.body = R"({"error":{"status":503,"code":"no_gateway_instance","message":"every gateway instance is down"}})";
    r.headers.set("Content-Type", "application/json");
    return done(std::move(r));
  }
  Instance& in = *instances_[static_cast<std::size_t>(i)];
  ++in.requests;
  ++in.inFlight;
  in.gateway->handle(std::move(request), [&in, done = std::move(done)](gateway::Response r) {
    --in.inFlight;
    done(std::move(r));
  });
}

bool Fleet::active() const {
  const auto& st = store_.stats();
  return instances_.size() > 1 || st.decisions + st.failed + st.windowAdds > 0;
}

nlohmann::json Fleet::snapshot() const {
  nlohmann::json instances = nlohmann::json::array();
  for (const auto& in : instances_) {
    const gateway::ClusterHealth::Stats h = in->shared->limiters().clusterHealth()->stats();
    instances.push_back({{"up", in->up},
                         {"requests", in->requests},
                         {"in_flight", in->inFlight},
                         {"store_up", h.up},
                         {"store_failed", h.failed},
                         {"on_failure", h.failOpen + h.failClosed + h.fallback}});
  }
  const auto& st = store_.stats();
  return {{"balancer", toString(spec_.balancer)},
          {"instances", std::move(instances)},
          {"unanswered", noInstance_},
          {"store",
           {{"up", !store_.down()},
            {"latency_ms", static_cast<double>(store_.latency()) / 1000.0},
            {"decisions", st.decisions},
            {"denied", st.denied},
            {"failed", st.failed},
            {"window_adds", st.windowAdds}}}};
}

std::vector<Fleet::InstanceReport> Fleet::report() const {
  std::vector<InstanceReport> out;
  for (const auto& in : instances_) out.push_back({in->requests, in->up});
  return out;
}

}  // namespace gwsim
