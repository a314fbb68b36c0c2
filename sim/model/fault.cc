#include "sim/model/fault.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace gwsim {

using gateway::Duration;

std::string_view toString(FaultSpec::Kind kind) {
  switch (kind) {
    case FaultSpec::Kind::kLatency: return "latency";
    case FaultSpec::Kind::kAbort: return "abort";
    case FaultSpec::Kind::kReset: return "reset";
    case FaultSpec::Kind::kHang: return "hang";
    case FaultSpec::Kind::kDown: return "down";
    case FaultSpec::Kind::kFlapping: return "flapping";
    case FaultSpec::Kind::kCapacity: return "capacity";
    case FaultSpec::Kind::kSlowBody: return "slow_body";
  }
  return "?";
}

std::string FaultSpec::describe() const {
  std::string target = service.empty() ? "all services" : service;
  if (!instance.empty()) target += "/" + instance;
  std::string when = duration == gateway::kNever ? fmt::format("from {:.3f}s", at / 1e6)
                                                 : fmt::format("{:.3f}s-{:.3f}s", at / 1e6, (at + duration) / 1e6);
  std::string what;
  switch (kind) {
    case Kind::kLatency: what = fmt::format("+{} ms +-{} ms", latency / 1000, jitter / 1000); break;
    case Kind::kAbort: what = fmt::format("status {}", status); break;
    case Kind::kFlapping: what = fmt::format("period {} ms", period / 1000); break;
    case Kind::kCapacity: what = fmt::format("{:.0f}% of workers", capacityFactor * 100); break;
    case Kind::kSlowBody:
      what = fmt::format("{} B/s in {} B slices (simulated body {} B)", bytesPerSecond,
                         sliceBytes ? sliceBytes : SlowBody::defaultSliceBytes(bytesPerSecond), bodyBytes);
      break;
    default: break;
  }
  return fmt::format("{}{}{} on {} {} p={}", toString(kind), what.empty() ? "" : " ", what, target, when, probability);
}

std::optional<FaultSpec> FaultSpec::parse(const nlohmann::json& value, const std::string& path,
                                          gateway::FieldErrors& errors) {
  gateway::JsonReader r(value, path, errors);
  if (!r.isObject()) return std::nullopt;
  const std::size_t before = errors.size();
  FaultSpec f;
  static const std::vector<std::string_view> kNames = {"latency", "abort",    "reset",    "hang",
                                                        "down",    "flapping", "capacity", "slow_body"};
  const auto kind = r.choice("kind", kNames, true);
  if (kind) f.kind = static_cast<Kind>(std::find(kNames.begin(), kNames.end(), *kind) - kNames.begin());
  if (auto s = r.string("service")) f.service = *s;
  if (auto s = r.string("instance")) f.instance = *s;
  if (!f.instance.empty() && f.service.empty()) errors.add(r.pathOf("instance"), "an instance needs its service");
  const auto us = [](double s) { return static_cast<Duration>(std::llround(s * 1e6)); };
  if (auto v = r.number("at_s", 0, 1e7)) f.at = us(*v);
  if (auto v = r.number("for_s", 0.000001, 1e7)) f.duration = us(*v);
  const bool perRequest = kind && (f.kind == Kind::kLatency || f.kind == Kind::kAbort || f.kind == Kind::kReset ||
                                   f.kind == Kind::kHang || f.kind == Kind::kSlowBody);
  const bool slowBody = kind && f.kind == Kind::kSlowBody;
  auto onlyFor = [&](std::string_view key, bool ok, std::string_view kinds) {
    if (r.has(key) && kind && !ok) errors.add(r.pathOf(key), fmt::format("only {} faults take {}", kinds, key));
  };
  onlyFor("probability", perRequest, "latency, abort, reset, hang and slow_body");
  onlyFor("latency_ms", f.kind == Kind::kLatency, "latency");
  onlyFor("jitter_ms", f.kind == Kind::kLatency, "latency");
  onlyFor("status", f.kind == Kind::kAbort, "abort");
  onlyFor("period_s", f.kind == Kind::kFlapping, "flapping");
  onlyFor("capacity", f.kind == Kind::kCapacity, "capacity");
  onlyFor("bytes_per_s", slowBody, "slow_body");
  onlyFor("slice_bytes", slowBody, "slow_body");
  onlyFor("body_bytes", slowBody, "slow_body");
  if (auto v = r.number("probability", 0.0, 1.0)) f.probability = *v;
  if (auto v = r.number("latency_ms", 0.0, 3.6e6, kind && f.kind == Kind::kLatency)) f.latency = us(*v / 1000);
  if (auto v = r.number("jitter_ms", 0.0, 3.6e6)) f.jitter = us(*v / 1000);
  if (auto v = r.integer("status", 100, 599)) f.status = static_cast<int>(*v);
  if (auto v = r.number("period_s", 0.001, 1e6)) f.period = us(*v);
  if (auto v = r.number("capacity", 0.0, 1.0, kind && f.kind == Kind::kCapacity)) f.capacityFactor = *v;
  if (auto v = r.integer("bytes_per_s", 1, 1'000'000'000, slowBody)) f.bytesPerSecond = static_cast<std::uint64_t>(*v);
  if (auto v = r.integer("slice_bytes", 1, 1 << 20)) f.sliceBytes = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer("body_bytes", 0, std::int64_t{1} << 30)) f.bodyBytes = static_cast<std::uint64_t>(*v);
  if (f.kind == Kind::kLatency && f.jitter > f.latency) errors.add(r.pathOf("jitter_ms"), "must not exceed latency_ms");
  r.finish();
  if (errors.size() != before || !kind) return std::nullopt;
  return f;
}

nlohmann::json FaultSpec::toJson() const {
  const auto s = [](Duration d) { return static_cast<double>(d) / 1e6; };
  nlohmann::json j = {{"kind", toString(kind)}, {"at_s", s(at)}};
  if (!service.empty()) j["service"] = service;
  if (!instance.empty()) j["instance"] = instance;
  if (duration != gateway::kNever) j["for_s"] = s(duration);
  const bool perRequest = kind == Kind::kLatency || kind == Kind::kAbort || kind == Kind::kReset ||
                          kind == Kind::kHang || kind == Kind::kSlowBody;
  if (perRequest && probability != 1.0) j["probability"] = probability;
  switch (kind) {
    case Kind::kLatency:
      j["latency_ms"] = static_cast<double>(latency) / 1e3;
      if (jitter) j["jitter_ms"] = static_cast<double>(jitter) / 1e3;
      break;
    case Kind::kAbort: j["status"] = status; break;
    case Kind::kFlapping: j["period_s"] = s(period); break;
    case Kind::kCapacity: j["capacity"] = capacityFactor; break;
    case Kind::kSlowBody:
      j["bytes_per_s"] = bytesPerSecond;
      if (sliceBytes) j["slice_bytes"] = sliceBytes;
      j["body_bytes"] = bodyBytes;
      break;
    default: break;
  }
  return j;
}

std::uint32_t SlowBody::defaultSliceBytes(std::uint64_t bytesPerSecond) {
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(bytesPerSecond / 10, 1, 16 * 1024));
}

Duration SlowBody::duration(std::uint64_t bytes) const {
  if (bytesPerSecond == 0) return 0;
  // Rounded up: a body never arrives earlier than its rate allows (exact below 18 TB).
  return static_cast<Duration>((bytes * 1'000'000 + bytesPerSecond - 1) / bytesPerSecond);
}

void FaultSet::expire(gateway::TimePoint now) {
  faults_.erase(std::remove_if(faults_.begin(), faults_.end(),
                               [&](const FaultSpec& f) { return f.duration != gateway::kNever && now - f.at >= f.duration; }),
                faults_.end());
}

FaultEffect FaultSet::evaluate(const std::string& service, const std::string& instance, gateway::TimePoint now,
                               gateway::Random& random) const {
  FaultEffect e;
  for (const auto& f : faults_) {
    if (!f.activeAt(now) || !f.appliesTo(service, instance)) continue;
    switch (f.kind) {
      case FaultSpec::Kind::kDown: e.down = true; break;
      case FaultSpec::Kind::kFlapping: {
        const Duration phase = (now - f.at) % std::max<Duration>(1, f.period);
        if (phase < f.period / 2) e.down = true;
        break;
      }
      case FaultSpec::Kind::kCapacity: e.capacityFactor = std::min(e.capacityFactor, f.capacityFactor); break;
      default: {
        if (f.probability < 1.0 && !random.chance(f.probability)) break;
        if (f.kind == FaultSpec::Kind::kLatency) {
          Duration extra = f.latency;
          if (f.jitter > 0) extra += static_cast<Duration>(random.uniform(2 * f.jitter + 1)) - f.jitter;
          e.extraLatency += std::max<Duration>(0, extra);
        } else if (f.kind == FaultSpec::Kind::kAbort) {
          if (!e.abortStatus) e.abortStatus = f.status;
        } else if (f.kind == FaultSpec::Kind::kReset) {
          e.reset = true;
        } else if (f.kind == FaultSpec::Kind::kHang) {
          e.hang = true;
        } else if (f.kind == FaultSpec::Kind::kSlowBody) {
          e.slowDown(SlowBody{f.bytesPerSecond, f.sliceBytes, f.bodyBytes});
        }
      }
    }
  }
  return e;
}

double FaultSet::capacityFactor(const std::string& service, const std::string& instance, gateway::TimePoint now) const {
  double factor = 1.0;
  for (const auto& f : faults_) {
    if (f.kind == FaultSpec::Kind::kCapacity && f.activeAt(now) && f.appliesTo(service, instance)) {
      factor = std::min(factor, f.capacityFactor);
    }
  }
  return factor;
}

}  // namespace gwsim
