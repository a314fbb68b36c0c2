// Service-time distributions for simulated and mock services: constant, uniform,
// exponential, lognormal (given median and p99) and bimodal (a mix of two). Sampling uses
// only the caller's seeded Random and our own transforms (no <random> distributions, whose
// output differs between standard libraries), so a seed gives the same times everywhere.
// Immutable after parse: safe to share; the Random is the caller's.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"
#include "libgateway/core/random.h"
#include "libgateway/core/time.h"

namespace gwsim {

class LatencyDistribution {
 public:
  enum class Kind { kConstant, kUniform, kExponential, kLognormal, kBimodal };

  static LatencyDistribution constant(gateway::Duration d);
  static LatencyDistribution uniform(gateway::Duration min, gateway::Duration max);
  static LatencyDistribution exponential(gateway::Duration mean);
  static LatencyDistribution lognormal(gateway::Duration median, gateway::Duration p99);
  static LatencyDistribution bimodal(LatencyDistribution first, LatencyDistribution second, double secondProbability);

  // {"kind": "lognormal", "median_ms": 20, "p99_ms": 150}; errors recorded with their paths.
  static std::optional<LatencyDistribution> parse(const nlohmann::json& value, const std::string& path,
                                                  gateway::FieldErrors& errors);

  // A sample in microseconds, at least 1.
  gateway::Duration sample(gateway::Random& random) const;
  // The distribution's mean in microseconds (exact for all kinds).
  double mean() const;
  Kind kind() const { return kind_; }
  std::string describe() const;

 private:
  Kind kind_ = Kind::kConstant;
  double a_ = 0, b_ = 0;  // constant: a; uniform: [a,b]; exponential: mean a; lognormal: mu a, sigma b
  double p_ = 0;          // bimodal: probability of `second`
  std::shared_ptr<const LatencyDistribution> first_, second_;
};

// A standard normal deviate (Box-Muller), deterministic for a given Random state.
double standardNormal(gateway::Random& random);

}  // namespace gwsim
