// Time series for the policy panels' models (topology, breaker, cache), keyed by simulated
// time only: a ring of whole simulated seconds, a ring of timed samples, and counter deltas
// between snapshots. Nothing here reads a clock or counts frames, so a model fed a run by
// many small steps holds exactly what one fed by a jump holds.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/core/time.h"

namespace gwdash {

// How much history the policy models keep: the last two minutes of simulated time.
inline constexpr std::size_t kPolicySeriesSeconds = 120;

// The simulated second a time point falls in (0 for [0 s, 1 s)).
inline std::int64_t simSecondOf(gateway::TimePoint t) { return t < 0 ? -1 : t / gateway::kSecond; }

// One slot per simulated second, the last `capacity` of them, contiguous (a second without
// data holds T{}).
template <class T>
class SimSecondRing {
 public:
  struct Point {
    std::int64_t second = 0;
    T value{};
  };

  SimSecondRing() = default;
  explicit SimSecondRing(std::size_t capacity) : capacity_(capacity) {}

  // The slot of `second`, created (with any gap before it) when it is new; null when it has
  // already left the ring.
  T* at(std::int64_t second) {
    if (points_.empty() || second > points_.back().second) {
      const std::int64_t span = static_cast<std::int64_t>(capacity_);
      std::int64_t from = points_.empty() ? second : points_.back().second + 1;
      if (second - from >= span) {
        points_.clear();
        from = second - span + 1;
      }
      for (std::int64_t s = from; s <= second; ++s) points_.push_back({s, T{}});
      while (points_.size() > capacity_) points_.pop_front();
      return &points_.back().value;
    }
    if (second < points_.front().second) return nullptr;
    return &points_[static_cast<std::size_t>(second - points_.front().second)].value;
  }
  const T* find(std::int64_t second) const {
    if (points_.empty() || second < points_.front().second || second > points_.back().second) return nullptr;
    return &points_[static_cast<std::size_t>(second - points_.front().second)].value;
  }

  const std::deque<Point>& points() const { return points_; }
  bool empty() const { return points_.empty(); }
  std::size_t size() const { return points_.size(); }
  void clear() { points_.clear(); }

  // `value(T)` of each slot, oldest first (for PlotLines / PlotHistogram).
  template <class F>
  std::vector<float> values(F value) const {
    std::vector<float> out;
    out.reserve(points_.size());
    for (const auto& p : points_) out.push_back(static_cast<float>(value(p.value)));
    return out;
  }

 private:
  std::size_t capacity_ = kPolicySeriesSeconds;
  std::deque<Point> points_;
};

// Samples taken at simulated times (one per snapshot), those of the last `span` kept.
template <class T>
class TimedSamples {
 public:
  struct Sample {
    gateway::TimePoint at = 0;
    T value{};
  };

  TimedSamples() = default;
  explicit TimedSamples(gateway::Duration span) : span_(span) {}

  // Appends (times only grow; an older sample is dropped) and forgets what left the span.
  void add(gateway::TimePoint at, T value) {
    if (!samples_.empty() && at < samples_.back().at) return;
    samples_.push_back({at, std::move(value)});
    while (!samples_.empty() && samples_.front().at < at - span_) samples_.pop_front();
  }
  const std::deque<Sample>& samples() const { return samples_; }
  bool empty() const { return samples_.empty(); }
  const Sample& back() const { return samples_.back(); }
  void clear() { samples_.clear(); }

 private:
  gateway::Duration span_ = gateway::seconds(kPolicySeriesSeconds);
  std::deque<Sample> samples_;
};

// A number of a JSON object, 0 when missing or not a number (snapshots from an older gatewayd
// may lack a field).
inline double jsonNumber(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return 0;
  const auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : 0;
}
inline std::uint64_t jsonCount(const nlohmann::json& object, const char* key) {
  const double v = jsonNumber(object, key);
  return v > 0 ? static_cast<std::uint64_t>(v) : 0;
}
inline bool jsonFlag(const nlohmann::json& object, const char* key, bool otherwise) {
  if (!object.is_object()) return otherwise;
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : otherwise;
}
inline std::string jsonText(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}
// A section's member object (a null json when missing).
inline const nlohmann::json& jsonMember(const nlohmann::json& object, const std::string& key) {
  static const nlohmann::json kNone;
  if (!object.is_object()) return kNone;
  const auto it = object.find(key);
  return it != object.end() ? *it : kNone;
}

// The q-quantile (0..1) of `values` by nearest rank; 0 when empty. Reorders `values`.
inline double quantileOf(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  const double wanted = std::ceil(q * static_cast<double>(values.size()));
  std::size_t rank = wanted <= 1 ? 0 : static_cast<std::size_t>(wanted) - 1;
  if (rank >= values.size()) rank = values.size() - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank), values.end());
  return values[rank];
}

// A stable digest of a model's canonical text (hex).
std::string policyDigest(const std::string& canonical);

}  // namespace gwdash
