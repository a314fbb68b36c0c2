#include "libgateway/pipeline/cluster_limit.h"

#include <algorithm>

#include <fmt/format.h>

#include "libgateway/auth/sha256.h"
#include "libgateway/core/hex.h"

namespace gateway {

void ClusterHealth::setLog(std::function<void(std::string_view)> log) {
  std::lock_guard lock(logMutex_);
  log_ = std::move(log);
}

bool ClusterHealth::shouldTry(TimePoint now, Duration retryInterval) {
  if (up_.load(std::memory_order_acquire)) return true;
  TimePoint due = nextProbe_.load(std::memory_order_relaxed);
  // One thread wins each due probe; the others go on without the store.
  if (now >= due && nextProbe_.compare_exchange_strong(due, now + retryInterval, std::memory_order_relaxed)) {
    return true;
  }
  skipped_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void ClusterHealth::succeeded() {
  // A load first: every answer lands here, and only a transition needs a write.
  if (up_.load(std::memory_order_acquire) || up_.exchange(true, std::memory_order_acq_rel)) return;
  transitions_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(logMutex_);
  if (log_) log_("rate limits: the cluster store answers again; cluster-wide limits apply");
}

void ClusterHealth::failed(TimePoint now, Duration retryInterval, std::string_view error) {
  failed_.fetch_add(1, std::memory_order_relaxed);
  if (!up_.exchange(false, std::memory_order_acq_rel)) return;
  nextProbe_.store(now + retryInterval, std::memory_order_relaxed);
  transitions_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(logMutex_);
  if (log_) log_(fmt::format("rate limits: the cluster store does not answer ({}); on_failure applies", error));
}

void ClusterHealth::countFailure(ClusterLimitFailure what) {
  switch (what) {
    case ClusterLimitFailure::kFailOpen: failOpen_.fetch_add(1, std::memory_order_relaxed); break;
    case ClusterLimitFailure::kFailClosed: failClosed_.fetch_add(1, std::memory_order_relaxed); break;
    case ClusterLimitFailure::kLocalFallback: fallback_.fetch_add(1, std::memory_order_relaxed); break;
  }
}

ClusterHealth::Stats ClusterHealth::stats() const {
  Stats s;
  s.up = up_.load(std::memory_order_acquire);
  s.sent = sent_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.skipped = skipped_.load(std::memory_order_relaxed);
  s.transitions = transitions_.load(std::memory_order_relaxed);
  s.failOpen = failOpen_.load(std::memory_order_relaxed);
  s.failClosed = failClosed_.load(std::memory_order_relaxed);
  s.fallback = fallback_.load(std::memory_order_relaxed);
  s.moved = moved_.load(std::memory_order_relaxed);
  s.asked = asked_.load(std::memory_order_relaxed);
  return s;
}

void clusterKey(const ClusterLimit& limit, std::string_view localKey, std::string& out) {
  out.assign(limit.keyPrefix);
  appendHex(out, std::string_view(sha256(localKey)).substr(0, 8));
  out.push_back('}');
}

std::string clusterKeyPrefix(std::string_view keyPrefix, std::string_view id, const LimiterSpec& spec) {
  const std::string specText = fmt::format("{}/{}/{}/{}/{}", toString(spec.algorithm), spec.rateMilli, spec.burst,
                                           spec.limit, spec.window);
  std::string out(keyPrefix);
  // The layout of a key's state in Redis (limit_script_lua.cc): gateways of another layout use
  // other keys rather than misread these.
  out += "v2:{";
  out += id;
  out += ':';
  appendHex(out, std::string_view(sha256(specText)).substr(0, 4));
  out += ':';
  return out;
}

LimiterSpec instanceShare(const LimiterSpec& spec, std::int64_t instances) {
  LimiterSpec share = spec;
  if (instances <= 1) return share;
  auto part = [instances](std::int64_t v) { return v == 0 ? 0 : std::max<std::int64_t>(1, v / instances); };
  share.rateMilli = part(spec.rateMilli);
  share.burst = part(spec.burst);
  share.limit = part(spec.limit);
  return share;
}

}  // namespace gateway
