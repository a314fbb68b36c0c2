#include "sim/model/instance_model.h"

#include <algorithm>
#include <cmath>

namespace gwsim {

std::optional<InstanceSpec> InstanceSpec::parse(const nlohmann::json& value, const std::string& path,
                                                gateway::FieldErrors& errors) {
  gateway::JsonReader r(value, path, errors);
  if (!r.isObject()) return std::nullopt;
  InstanceSpec s;
  const std::size_t before = errors.size();
  if (auto v = r.integer("workers", 1, 100000)) s.workers = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer("queue", 0, 10'000'000)) s.queue = static_cast<std::uint32_t>(*v);
  if (const auto* l = r.any("latency")) {
    if (auto d = LatencyDistribution::parse(*l, r.pathOf("latency"), errors)) s.latency = std::move(*d);
  }
  if (auto v = r.number("error_rate", 0.0, 1.0)) s.errorRate = *v;
  if (auto v = r.integer("error_status", 400, 599)) s.errorStatus = static_cast<int>(*v);
  if (auto v = r.number("overload_slowdown", 0.0, 100.0)) s.overloadSlowdown = *v;
  r.finish();
  if (errors.size() != before) return std::nullopt;
  return s;
}

std::optional<InstanceSpec> InstanceSpec::parseOverride(const nlohmann::json* model, const nlohmann::json& value,
                                                        const std::string& path, gateway::FieldErrors& errors) {
  if (!value.is_object()) return parse(value, path, errors);
  nlohmann::json merged = model && model->is_object() ? *model : nlohmann::json::object();
  merged.update(value);
  gateway::FieldErrors all;
  auto spec = parse(merged, path, all);
  for (const auto& e : all.list()) {
    const bool own = e.path == path || std::any_of(value.items().begin(), value.items().end(), [&](const auto& item) {
      const std::string field = gateway::childPath(path, item.key());
      return e.path == field || e.path.rfind(field + "/", 0) == 0;
    });
    if (own) errors.add(e.path, e.message);
  }
  return spec;
}

InstanceModel::Work InstanceModel::start(std::uint64_t job, gateway::Random& random) {
  Work w;
  w.job = job;
  double t = static_cast<double>(spec_.latency.sample(random));
  if (spec_.overloadSlowdown > 0 && spec_.queue > 0) {
    t *= 1.0 + spec_.overloadSlowdown * static_cast<double>(queue_.size()) / spec_.queue;
  }
  w.serviceTime = std::max<gateway::Duration>(1, static_cast<gateway::Duration>(std::llround(t)));
  w.status = (spec_.errorRate > 0 && random.chance(spec_.errorRate)) ? spec_.errorStatus : 200;
  ++busy_;
  return w;
}

InstanceModel::Admission InstanceModel::arrive(std::uint64_t job, gateway::Random& random, Work& started,
                                               std::uint32_t workerLimit) {
  const std::uint32_t workers = workerLimit ? std::min(workerLimit, spec_.workers) : spec_.workers;
  if (busy_ < workers && queue_.empty()) {
    started = start(job, random);
    return Admission::kStarted;
  }
  if (queue_.size() < spec_.queue) {
    queue_.push_back(job);
    return Admission::kQueued;
  }
  return Admission::kRejected;
}

std::optional<InstanceModel::Work> InstanceModel::startNext(gateway::Random& random, std::uint32_t workerLimit) {
  const std::uint32_t workers = workerLimit ? std::min(workerLimit, spec_.workers) : spec_.workers;
  if (queue_.empty() || busy_ >= workers) return std::nullopt;
  const std::uint64_t job = queue_.front();
  queue_.pop_front();
  return start(job, random);
}

bool InstanceModel::abandon(std::uint64_t job) {
  auto it = std::find(queue_.begin(), queue_.end(), job);
  if (it == queue_.end()) return false;
  queue_.erase(it);
  return true;
}

}  // namespace gwsim
