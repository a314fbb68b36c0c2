#include "tools/gwdash/model/latency_model.h"

#include <algorithm>

#include <fmt/format.h>

namespace gwdash {

namespace {

std::int64_t latencySecondOf(gateway::TimePoint t) { return t <= 0 ? 0 : t / gateway::kSecond; }

}  // namespace

LatencyModel::LatencyModel(std::size_t histogramSeconds) : ring_(kSeconds) { setHistogramSeconds(histogramSeconds); }

void LatencyModel::setHistogramSeconds(std::size_t seconds) {
  histogramSeconds_ = std::clamp<std::size_t>(seconds, 1, kSeconds);
}

void LatencyModel::reset(const DashboardContext&) {
  for (Slot& slot : ring_) slot.second = -1;
  now_ = 0;
  current_ = 0;
  total_ = 0;
  tooLate_ = 0;
}

void LatencyModel::advanceTo(gateway::TimePoint now) {
  now_ = std::max(now_, now);
  current_ = std::max(current_, latencySecondOf(now));
}

LatencyModel::Slot* LatencyModel::slotFor(std::int64_t second) {
  if (second <= current_ - static_cast<std::int64_t>(kSeconds)) return nullptr;
  Slot& slot = ring_[static_cast<std::size_t>(second) % kSeconds];
  if (slot.second != second) {  // a second the ring forgot: reuse its slot
    slot.second = second;
    slot.stats = LatencySecond{};
    slot.stats.second = second;
    slot.latencies.clear();
    slot.buckets.fill(0);
    slot.stale = false;
  }
  return &slot;
}

const LatencyModel::Slot* LatencyModel::heldSlot(std::int64_t second) const {
  if (second < 0 || second > current_ || second <= current_ - static_cast<std::int64_t>(kSeconds)) return nullptr;
  const Slot& slot = ring_[static_cast<std::size_t>(second) % kSeconds];
  return slot.second == second ? &slot : nullptr;
}

void LatencyModel::onRequest(const RequestRecord& record) {
  advanceTo(record.end);
  ++total_;
  Slot* slot = slotFor(latencySecondOf(record.end));
  if (!slot) {
    ++tooLate_;
    return;
  }
  const gateway::Duration latency = std::max<gateway::Duration>(record.latency(), 0);
  ++slot->stats.requests;
  ++slot->stats.statuses[static_cast<std::size_t>(statusClassOf(record.status))];
  slot->latencies.record(latency);
  ++slot->buckets[bucketOf(latency)];
  slot->stale = true;
}

void LatencyModel::onSnapshot(gateway::TimePoint now, const nlohmann::json&) { advanceTo(now); }

void LatencyModel::refresh(const Slot& held) const {
  if (!held.stale) return;
  Slot& slot = const_cast<Slot&>(held);  // the ring is mutable: percentiles are computed when read
  slot.stats.p50 = slot.latencies.quantile(0.50);
  slot.stats.p99 = slot.latencies.quantile(0.99);
  slot.stats.max = slot.latencies.max();
  slot.stale = false;
}

LatencySecond LatencyModel::second(std::int64_t second) const {
  if (const Slot* slot = heldSlot(second)) {
    refresh(*slot);
    return slot->stats;
  }
  LatencySecond empty;
  empty.second = second;
  return empty;
}

std::vector<LatencySecond> LatencyModel::series() const {
  std::vector<LatencySecond> out;
  const std::int64_t first = std::max<std::int64_t>(0, current_ - static_cast<std::int64_t>(kSeconds) + 1);
  out.reserve(static_cast<std::size_t>(current_ - first + 1));
  for (std::int64_t s = first; s <= current_; ++s) out.push_back(second(s));
  return out;
}

LatencyModel::Buckets LatencyModel::histogram() const {
  Buckets sum{};
  for (std::int64_t s = current_ - static_cast<std::int64_t>(histogramSeconds_) + 1; s <= current_; ++s) {
    if (const Slot* slot = heldSlot(s)) {
      for (std::size_t b = 0; b < kBuckets; ++b) sum[b] += slot->buckets[b];
    }
  }
  return sum;
}

std::size_t LatencyModel::bucketOf(gateway::Duration latency) {
  const auto it = std::upper_bound(kBucketBounds.begin(), kBucketBounds.end(), latency);
  return static_cast<std::size_t>(it - kBucketBounds.begin());
}

std::string LatencyModel::bucketLabel(std::size_t bucket) {
  if (bucket == 0) return "<" + durationText(kBucketBounds[0]);
  if (bucket >= kBucketBounds.size()) return ">=" + durationText(kBucketBounds.back());
  return durationText(kBucketBounds[bucket - 1]) + " - " + durationText(kBucketBounds[bucket]);
}

std::string LatencyModel::secondText(const LatencySecond& s) {
  std::string text = fmt::format("t={} s: {} requests", s.second, s.requests);
  if (s.requests == 0) return text;
  text += fmt::format(", p50 {}, p99 {}, max {};", durationText(s.p50), durationText(s.p99), durationText(s.max));
  for (StatusClass c : allStatusClasses()) {
    if (s.status(c) > 0) text += fmt::format(" {} {},", statusClassName(c), s.status(c));
  }
  text.pop_back();
  return text;
}

std::string LatencyModel::digest() const {
  std::string out = fmt::format("latency now={} current={} total={} late={} window={}\n", now_, current_, total_, tooLate_,
                                histogramSeconds_);
  for (const LatencySecond& s : series()) {
    if (s.requests == 0) continue;
    out += fmt::format("{} n={} st={} p50={} p99={} max={} b=", s.second, s.requests, fmt::join(s.statuses, ","), s.p50,
                       s.p99, s.max);
    const Slot* slot = heldSlot(s.second);
    out += fmt::format("{}\n", fmt::join(slot->buckets, ","));
  }
  out += fmt::format("histogram={}\n", fmt::join(histogram(), ","));
  return out;
}

}  // namespace gwdash
