#include "tools/gwdash/model/lab_limiter.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "libgateway/ratelimit/limiter_spec.h"

namespace gwdash {

namespace {

// One algorithm and its keys' states.
template <typename Algo>
class LabLimiterOf : public LabLimiter {
 public:
  LabLimiterOf(Algo algo, std::string_view name, std::string parameters)
      : algo_(std::move(algo)), name_(name), parameters_(std::move(parameters)) {}

  std::string_view algorithm() const override { return name_; }
  std::string parameters() const override { return parameters_; }

  gateway::LimitDecision decide(std::uint32_t key, gateway::TimePoint now) override {
    if (key >= states_.size()) states_.resize(key + 1);
    if (!states_[key]) {
      states_[key].emplace(algo_.fresh(now));
      ++keys_;
    }
    return algo_.acquire(*states_[key], now);
  }

  gateway::LimiterGauge gauge(std::uint32_t key, gateway::TimePoint now) const override {
    if (key >= states_.size() || !states_[key]) return gateway::gauge(algo_, algo_.fresh(now), now);
    return gateway::gauge(algo_, *states_[key], now);
  }

  std::size_t keys() const override { return keys_; }

 protected:
  Algo algo_;
  std::string_view name_;
  std::string parameters_;
  std::vector<std::optional<typename Algo::State>> states_;  // by key
  std::size_t keys_ = 0;
};

// Concurrency: admitted requests are released `hold` after their admission.
class LabConcurrencyLimiter : public LabLimiterOf<gateway::ConcurrencyLimit> {
 public:
  LabConcurrencyLimiter(std::int64_t limit, gateway::Duration hold, std::string parameters)
      : LabLimiterOf(gateway::ConcurrencyLimit(limit), "concurrency", std::move(parameters)), hold_(hold) {}

  gateway::LimitDecision decide(std::uint32_t key, gateway::TimePoint now) override {
    advance(now, true);
    const gateway::LimitDecision d = LabLimiterOf::decide(key, now);
    if (d.allowed) releases_.emplace_back(now + hold_, key);
    return d;
  }

  void advance(gateway::TimePoint until, bool inclusive) override {
    while (!releases_.empty() && (releases_.front().first < until || (inclusive && releases_.front().first == until))) {
      algo_.release(*states_[releases_.front().second], releases_.front().first);
      releases_.pop_front();
    }
  }

 private:
  gateway::Duration hold_;
  // Admissions come in time order and each is held as long: releases are due in that order.
  std::deque<std::pair<gateway::TimePoint, std::uint32_t>> releases_;
};

std::string labRateText(std::int64_t rateMilli) {
  std::string s = fmt::format("{:.3f}", static_cast<double>(rateMilli) / 1000.0);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string labWindowText(gateway::Duration window) {
  if (window % gateway::kSecond == 0) return fmt::format("{} s", window / gateway::kSecond);
  if (window % gateway::kMillisecond == 0 && window < gateway::kSecond) {
    return fmt::format("{} ms", window / gateway::kMillisecond);
  }
  // A window derived from a rate (burst / rate) is rarely whole: seconds to the millisecond.
  return fmt::format("{:.3f} s", static_cast<double>(window) / static_cast<double>(gateway::kSecond));
}

}  // namespace

std::int64_t labRateMilli(std::int64_t limit, gateway::Duration window) {
  // limit / window requests per µs = limit * 1e6 / window per s; * 1000 for thousandths.
  const double milli = static_cast<double>(limit) * 1e9 / static_cast<double>(window);
  return std::clamp<std::int64_t>(std::llround(milli), 1, gateway::kMaxRateMilli);
}

std::vector<std::unique_ptr<LabLimiter>> makeLabLimiters(std::int64_t limit, gateway::Duration window, gateway::Duration hold) {
  limit = std::clamp<std::int64_t>(limit, 1, gateway::kMaxLimit);
  window = std::max<gateway::Duration>(window, 1);
  hold = std::max<gateway::Duration>(hold, 1);
  const std::int64_t rate = labRateMilli(limit, window);
  const std::string rateText = labRateText(rate);
  const std::string windowText = labWindowText(window);
  const auto concurrent = static_cast<std::int64_t>(
      std::clamp<double>(std::ceil(static_cast<double>(limit) * static_cast<double>(hold) / static_cast<double>(window)), 1.0,
                         static_cast<double>(gateway::kMaxLimit)));
  std::vector<std::unique_ptr<LabLimiter>> out;
  out.push_back(std::make_unique<LabLimiterOf<gateway::FixedWindow>>(
      gateway::FixedWindow(limit, window), "fixed_window", fmt::format("{} per {}", limit, windowText)));
  out.push_back(std::make_unique<LabLimiterOf<gateway::SlidingLog>>(
      gateway::SlidingLog(limit, window), "sliding_log", fmt::format("{} per {}", limit, windowText)));
  out.push_back(std::make_unique<LabLimiterOf<gateway::SlidingCounter>>(
      gateway::SlidingCounter(limit, window), "sliding_counter", fmt::format("{} per {}", limit, windowText)));
  out.push_back(std::make_unique<LabLimiterOf<gateway::TokenBucket>>(
      gateway::TokenBucket(rate, limit), "token_bucket", fmt::format("rate {}/s, burst {}", rateText, limit)));
  out.push_back(std::make_unique<LabLimiterOf<gateway::Gcra>>(gateway::Gcra(rate, limit), "gcra",
                                                              fmt::format("rate {}/s, burst {}", rateText, limit)));
  out.push_back(std::make_unique<LabLimiterOf<gateway::LeakyBucket>>(
      gateway::LeakyBucket(rate, limit - 1), "leaky_bucket", fmt::format("rate {}/s, queue {}", rateText, limit - 1)));
  out.push_back(std::make_unique<LabConcurrencyLimiter>(
      concurrent, hold, fmt::format("{} in flight, each held {}", concurrent, labWindowText(hold))));
  return out;
}

}  // namespace gwdash
