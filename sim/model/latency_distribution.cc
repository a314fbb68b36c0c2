#include "sim/model/latency_distribution.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

namespace gwsim {

using gateway::Duration;
using gateway::JsonReader;

namespace {
// z such that P(Z <= z) = 0.99 for a standard normal.
constexpr double kZ99 = 2.3263478740408408;
}  // namespace

double standardNormal(gateway::Random& random) {
  const double u1 = 1.0 - random.unit();  // (0, 1]
  const double u2 = random.unit();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

LatencyDistribution LatencyDistribution::constant(Duration d) {
  LatencyDistribution x;
  x.kind_ = Kind::kConstant;
  x.a_ = static_cast<double>(d);
  return x;
}

LatencyDistribution LatencyDistribution::uniform(Duration min, Duration max) {
  LatencyDistribution x;
  x.kind_ = Kind::kUniform;
  x.a_ = static_cast<double>(min);
  x.b_ = static_cast<double>(max);
  return x;
}

LatencyDistribution LatencyDistribution::exponential(Duration mean) {
  LatencyDistribution x;
  x.kind_ = Kind::kExponential;
  x.a_ = static_cast<double>(mean);
  return x;
}

LatencyDistribution LatencyDistribution::lognormal(Duration median, Duration p99) {
  LatencyDistribution x;
  x.kind_ = Kind::kLognormal;
  x.a_ = std::log(static_cast<double>(median));
  x.b_ = (std::log(static_cast<double>(p99)) - x.a_) / kZ99;
  return x;
}

LatencyDistribution LatencyDistribution::bimodal(LatencyDistribution first, LatencyDistribution second,
                                                 double secondProbability) {
  LatencyDistribution x;
  x.kind_ = Kind::kBimodal;
  x.p_ = secondProbability;
  x.first_ = std::make_shared<const LatencyDistribution>(std::move(first));
  x.second_ = std::make_shared<const LatencyDistribution>(std::move(second));
  return x;
}

Duration LatencyDistribution::sample(gateway::Random& random) const {
  double v = 0;
  switch (kind_) {
    case Kind::kConstant: v = a_; break;
    case Kind::kUniform: v = a_ + (b_ - a_) * random.unit(); break;
    case Kind::kExponential: v = -a_ * std::log(1.0 - random.unit()); break;
    case Kind::kLognormal: v = std::exp(a_ + b_ * standardNormal(random)); break;
    case Kind::kBimodal: return random.chance(p_) ? second_->sample(random) : first_->sample(random);
  }
  // Cap at one hour so a wild lognormal tail cannot overflow the clock.
  return std::clamp<Duration>(static_cast<Duration>(std::llround(v)), 1, gateway::seconds(3600));
}

double LatencyDistribution::mean() const {
  switch (kind_) {
    case Kind::kConstant: return a_;
    case Kind::kUniform: return (a_ + b_) / 2;
    case Kind::kExponential: return a_;
    case Kind::kLognormal: return std::exp(a_ + b_ * b_ / 2);
    case Kind::kBimodal: return (1 - p_) * first_->mean() + p_ * second_->mean();
  }
  return 0;
}

std::string LatencyDistribution::describe() const {
  switch (kind_) {
    case Kind::kConstant: return fmt::format("constant {:.3g} ms", a_ / 1000);
    case Kind::kUniform: return fmt::format("uniform {:.3g}-{:.3g} ms", a_ / 1000, b_ / 1000);
    case Kind::kExponential: return fmt::format("exponential mean {:.3g} ms", a_ / 1000);
    case Kind::kLognormal:
      return fmt::format("lognormal median {:.3g} ms p99 {:.3g} ms", std::exp(a_) / 1000, std::exp(a_ + kZ99 * b_) / 1000);
    case Kind::kBimodal:
      return fmt::format("bimodal ({}) / ({}) p={}", first_->describe(), second_->describe(), p_);
  }
  return "?";
}

std::optional<LatencyDistribution> LatencyDistribution::parse(const nlohmann::json& value, const std::string& path,
                                                              gateway::FieldErrors& errors) {
  // A bare number means a constant in milliseconds.
  if (value.is_number() && value.get<double>() > 0) return constant(static_cast<Duration>(value.get<double>() * 1000));
  JsonReader r(value, path, errors);
  if (!r.isObject()) return std::nullopt;
  const auto kind = r.choice("kind", {"constant", "uniform", "exponential", "lognormal", "bimodal"}, true);
  std::optional<LatencyDistribution> out;
  const auto ms = [](double v) { return static_cast<Duration>(std::llround(v * 1000)); };
  constexpr double kMaxMs = 3'600'000;
  if (kind == "constant") {
    if (auto v = r.number("ms", 0.001, kMaxMs, true)) out = constant(ms(*v));
  } else if (kind == "uniform") {
    auto lo = r.number("min_ms", 0.001, kMaxMs, true);
    auto hi = r.number("max_ms", 0.001, kMaxMs, true);
    if (lo && hi) {
      if (*hi < *lo) errors.add(r.pathOf("max_ms"), "must not be less than min_ms");
      else out = uniform(ms(*lo), ms(*hi));
    }
  } else if (kind == "exponential") {
    if (auto v = r.number("mean_ms", 0.001, kMaxMs, true)) out = exponential(ms(*v));
  } else if (kind == "lognormal") {
    auto median = r.number("median_ms", 0.001, kMaxMs, true);
    auto p99 = r.number("p99_ms", 0.001, kMaxMs, true);
    if (median && p99) {
      if (*p99 <= *median) errors.add(r.pathOf("p99_ms"), "must be greater than median_ms");
      else out = lognormal(ms(*median), ms(*p99));
    }
  } else if (kind == "bimodal") {
    const auto* first = r.any("first", true);
    const auto* second = r.any("second", true);
    auto p = r.number("second_probability", 0.0, 1.0, true);
    std::optional<LatencyDistribution> a, b;
    if (first) a = parse(*first, r.pathOf("first"), errors);
    if (second) b = parse(*second, r.pathOf("second"), errors);
    if (a && b && p) out = bimodal(std::move(*a), std::move(*b), *p);
  }
  r.finish();
  return out;
}

}  // namespace gwsim
