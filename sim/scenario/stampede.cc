#include "sim/scenario/stampede.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/scenario/scenario.h"

namespace gwsim {

bool StampedeSpec::during(gateway::TimePoint t) const {
  // The first burst ending after t; t is in it when it has begun.
  const auto it = std::upper_bound(bursts.begin(), bursts.end(), t,
                                   [](gateway::TimePoint x, const auto& b) { return x < b.second; });
  return it != bursts.end() && it->first <= t;
}

std::optional<StampedeSpec> StampedeSpec::parse(const nlohmann::json& value, const std::string& path, const Scenario& s,
                                                gateway::FieldErrors& errors) {
  gateway::JsonReader r(value, path, errors);
  if (!r.isObject()) return std::nullopt;
  const std::size_t before = errors.size();
  StampedeSpec out;
  if (auto v = r.string("service", true)) {
    out.service = *v;
    if (s.gateway && !s.gateway->findService(*v)) {
      errors.add(r.pathOf("service"), fmt::format("service \"{}\" is not in the gateway config", *v));
    }
  }
  if (auto v = r.string("target")) {
    out.target = *v;
    if (out.target.empty() || out.target.front() != '/') errors.add(r.pathOf("target"), "must start with '/'");
  }
  if (auto v = r.string("group", true)) {
    out.group = *v;
    const auto g = std::find_if(s.clients.begin(), s.clients.end(), [&](const ClientGroup& c) { return c.name == *v; });
    if (g == s.clients.end()) {
      errors.add(r.pathOf("group"), fmt::format("no client group \"{}\" in this scenario", *v));
    } else {
      const RateProfile& a = g->arrival;
      const gateway::TimePoint from = g->start, to = std::min(g->stop, s.duration);
      const auto add = [&](gateway::TimePoint b, gateway::TimePoint e) {
        b = std::max(b, from);
        e = std::min(e, to);
        if (b < e) out.bursts.emplace_back(b, e);
      };
      if (g->closedLoop || g->replay || (!a.onOff && !a.flash)) {
        errors.add(r.pathOf("group"), fmt::format("client group \"{}\" has no bursts: give its arrival \"on_off\" or "
                                                  "\"flash_crowd\"",
                                                  *v));
      } else if (a.onOff) {
        const gateway::Duration period = a.on + a.off;
        for (gateway::TimePoint b = 0; b < to && out.bursts.size() < 1'000'000; b += period) add(b, b + a.on);
        if (a.off == 0) out.bursts.assign(1, {from, to});  // always on: one burst
      } else {
        add(a.flashAt, a.flashAt + a.flashLength);
      }
      if (errors.size() == before && out.bursts.empty()) {
        errors.add(r.pathOf("group"), fmt::format("client group \"{}\" has no burst within its start_s..stop_s and the "
                                                  "scenario's duration",
                                                  *v));
      }
    }
  }
  r.finish();
  if (errors.size() != before) return std::nullopt;
  return out;
}

}  // namespace gwsim
