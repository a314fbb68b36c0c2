#include "tools/gwdash/app/player.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace gwdash {

namespace {

constexpr double kPlayerWorkMs = 12.0;
constexpr std::uint64_t kPlayerMinBudget = 500;
constexpr std::uint64_t kPlayerMaxBudget = 5'000'000;

}  // namespace

void Player::frame(SimSession& session, double wallSeconds) {
  behind_ = false;
  if (!playing || session.done()) {
    if (session.done()) playing = false;
    actual_ = 0;
    carryUs_ = 0;
    return;
  }
  // A stall (a jump, a dragged window) is not made up for.
  wallSeconds = std::clamp(wallSeconds, 0.0, 0.25);
  const gateway::TimePoint before = session.now();
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t fired = 0;
  if (max) {
    fired = session.advance(session.end() - session.now(), budget_);
  } else {
    carryUs_ += wallSeconds * std::clamp(speed, kMinSpeed, kMaxSpeed) * 1e6;
    const auto whole = static_cast<gateway::Duration>(std::floor(carryUs_));
    if (whole > 0) {
      fired = session.advance(whole, budget_);
      const gateway::Duration done = session.now() - before;
      if (fired >= budget_ && done < whole) {
        behind_ = true;
        carryUs_ = 0;  // the run falls behind real time rather than piling up work
      } else {
        carryUs_ -= static_cast<double>(whole);
      }
    }
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (fired >= 200 && ms > 0.2) {
    const double perMs = static_cast<double>(fired) / ms;
    const auto target = static_cast<std::uint64_t>(perMs * kPlayerWorkMs);
    budget_ = std::clamp<std::uint64_t>((budget_ + target) / 2, kPlayerMinBudget, kPlayerMaxBudget);
  } else if (fired >= budget_) {
    budget_ = std::min<std::uint64_t>(budget_ * 2, kPlayerMaxBudget);
  }
  if (wallSeconds > 0) {
    const double now = static_cast<double>(session.now() - before) / 1e6 / wallSeconds;
    actual_ = actual_ == 0 ? now : actual_ * 0.9 + now * 0.1;
  }
  if (session.done()) playing = false;
}

}  // namespace gwdash
