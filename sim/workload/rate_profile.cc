#include "sim/workload/rate_profile.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace gwsim {

using gateway::Duration;
using gateway::JsonReader;

double RateProfile::rateAt(gateway::TimePoint t) const {
  double r = rate;
  if (!stages.empty()) {
    double from = rate;
    gateway::TimePoint begin = 0;
    r = stages.back().target;
    for (const auto& s : stages) {
      if (t < begin + s.length) {
        const double f = s.length > 0 ? static_cast<double>(t - begin) / static_cast<double>(s.length) : 1.0;
        r = from + (s.target - from) * f;
        break;
      }
      begin += s.length;
      from = s.target;
    }
  }
  if (diurnal && diurnalPeriod > 0) {
    r *= 1.0 + diurnalAmplitude * std::sin(2.0 * std::numbers::pi * static_cast<double>(t) / static_cast<double>(diurnalPeriod));
  }
  if (flash && t >= flashAt && t < flashAt + flashLength) r *= flashMultiplier;
  if (onOff && on + off > 0 && (t % (on + off)) >= on) r = 0;
  return std::max(0.0, r);
}

double RateProfile::maxRate() const {
  double r = rate;
  for (const auto& s : stages) r = std::max(r, s.target);
  if (diurnal) r *= 1.0 + diurnalAmplitude;
  if (flash) r *= std::max(1.0, flashMultiplier);
  return r;
}

double RateProfile::expectedArrivals(gateway::TimePoint t) const {
  // Midpoint rule on 1 ms steps: exact enough for the 2% checks the tests make.
  const Duration step = gateway::kMillisecond;
  double sum = 0;
  for (gateway::TimePoint x = 0; x < t; x += step) {
    const Duration w = std::min(step, t - x);
    sum += rateAt(x + w / 2) * static_cast<double>(w) / 1e6;
  }
  return sum;
}

RateProfile RateProfile::parse(JsonReader& r) {
  RateProfile p;
  auto& errors = r.errors();
  const auto us = [](double s) { return static_cast<Duration>(std::llround(s * 1e6)); };
  if (auto v = r.number("rate", 0.0, 1e9, !r.has("stages"))) p.rate = *v;
  if (const auto* stages = r.array("stages")) {
    if (stages->empty()) errors.add(r.pathOf("stages"), "needs at least one stage");
    for (std::size_t i = 0; i < stages->size(); ++i) {
      JsonReader s((*stages)[i], gateway::childPath(r.pathOf("stages"), i), errors);
      Stage st;
      if (auto v = s.number("for_s", 0.0, 1e7, true)) st.length = us(*v);
      if (auto v = s.number("rate", 0.0, 1e9, true)) st.target = *v;
      s.finish();
      p.stages.push_back(st);
    }
  }
  if (const auto* d = r.object("diurnal")) {
    JsonReader s(*d, r.pathOf("diurnal"), errors);
    p.diurnal = true;
    if (auto v = s.number("period_s", 0.001, 1e7, true)) p.diurnalPeriod = us(*v);
    if (auto v = s.number("amplitude", 0.0, 1.0, true)) p.diurnalAmplitude = *v;
    s.finish();
  }
  if (const auto* f = r.object("flash_crowd")) {
    JsonReader s(*f, r.pathOf("flash_crowd"), errors);
    p.flash = true;
    if (auto v = s.number("at_s", 0.0, 1e7, true)) p.flashAt = us(*v);
    if (auto v = s.number("for_s", 0.000001, 1e7, true)) p.flashLength = us(*v);
    if (auto v = s.number("multiplier", 0.0, 1e6, true)) p.flashMultiplier = *v;
    s.finish();
  }
  if (const auto* o = r.object("on_off")) {
    JsonReader s(*o, r.pathOf("on_off"), errors);
    p.onOff = true;
    if (auto v = s.number("on_s", 0.000001, 1e7, true)) p.on = us(*v);
    if (auto v = s.number("off_s", 0.0, 1e7, true)) p.off = us(*v);
    s.finish();
  }
  return p;
}

}  // namespace gwsim
