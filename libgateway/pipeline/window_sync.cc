#include "libgateway/pipeline/window_sync.h"

#include <algorithm>

#include "libgateway/pipeline/cluster_limit.h"

namespace gateway {

LimitDecision WindowSync::decide(ClusterStore& store, const ClusterLimit& limit, const std::string& storeKey,
                                 const LimiterSpec& spec, TimePoint now, TimePoint unixNow) {
  // Windows on the Unix clock, as every instance numbers them; intervals on the gateway's own.
  const std::int64_t window = floorDiv(unixNow, spec.window);
  const TimePoint windowEnd = (window + 1) * spec.window;
  LimitDecision d;
  std::int64_t delta = 0;
  std::int64_t sentWindow = 0;
  {
    std::lock_guard lock(mutex_);
    if (window > sweptWindow_) sweep(window);
    Counter& c = counters_[storeKey];
    // A late `now` (another thread's clock read) counts in the newer window it finds.
    if (c.window < window) c = Counter{window, 0, 0, 0, c.lastSent, c.everSent};
    const std::int64_t used = c.known + c.pending + c.sending;
    d.allowed = used + 1 <= spec.limit;
    if (d.allowed) ++c.pending;
    const TimePoint end = (c.window + 1) * spec.window;
    d.remaining = std::max<std::int64_t>(0, spec.limit - used - (d.allowed ? 1 : 0));
    d.retryAfter = d.allowed ? 0 : std::max<Duration>(1, end - unixNow);
    d.resetAfter = std::max<Duration>(0, end - unixNow);
    if (c.pending > 0 && (!c.everSent || now - c.lastSent >= limit.settings->syncInterval)) {
      delta = c.pending;
      c.sending += delta;
      c.pending = 0;
      c.lastSent = now;
      c.everSent = true;
      sentWindow = c.window;
      ++flushes_;
    }
  }
  if (delta > 0) {
    // The key lives until its window ends (and a little after, for late clocks).
    const Duration ttl = windowEnd - unixNow + limit.settings->syncInterval + kSecond;
    limit.health->sent();
    store.addToWindow(storeKey, sentWindow, delta, ttl,
                      [self = shared_from_this(), health = limit.health, retry = limit.settings->retryInterval,
                       storeKey, sentWindow, delta, now](const ClusterAnswer& answer) {
                        if (answer.ok) health->succeeded();
                        else health->failed(now, retry, answer.error);
                        std::lock_guard lock(self->mutex_);
                        auto it = self->counters_.find(storeKey);
                        if (it == self->counters_.end() || it->second.window != sentWindow) return;
                        Counter& c = it->second;
                        c.sending -= delta;
                        if (answer.ok) {
                          c.known = std::max(c.known, answer.count);
                        } else {
                          c.pending += delta;  // not known to be counted: sent again next time
                          ++self->failed_;
                        }
                      });
  }
  return d;
}

void WindowSync::sweep(std::int64_t window) {
  // Every key of one policy shares the window length, so a key of an older window is done.
  sweptWindow_ = window;
  std::erase_if(counters_, [window](const auto& entry) { return entry.second.window < window && entry.second.sending == 0; });
}

WindowSync::Stats WindowSync::stats() const {
  std::lock_guard lock(mutex_);
  return Stats{static_cast<std::int64_t>(counters_.size()), flushes_, failed_};
}

}  // namespace gateway
