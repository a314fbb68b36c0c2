#include "libgateway/cache/fill_registry.h"

#include <algorithm>

namespace gateway {

FillRegistry::Join FillRegistry::leadOrWait(const std::string& key, Scheduler& scheduler, Wake wake) {
  Shard& shard = shardOf(key);
  std::lock_guard lock(shard.mutex);
  auto [it, added] = shard.fills.try_emplace(key);
  if (added) return {true, 0};
  const std::uint64_t id = ++shard.nextId;
  it->second.push_back(Waiter{id, &scheduler, std::move(wake)});
  return {false, id};
}

bool FillRegistry::tryLead(const std::string& key) {
  Shard& shard = shardOf(key);
  std::lock_guard lock(shard.mutex);
  return shard.fills.try_emplace(key).second;
}

void FillRegistry::finish(const std::string& key, const FillOutcome& outcome) {
  std::vector<Waiter> waiters;
  {
    Shard& shard = shardOf(key);
    std::lock_guard lock(shard.mutex);
    const auto it = shard.fills.find(key);
    if (it == shard.fills.end()) return;
    waiters = std::move(it->second);
    shard.fills.erase(it);
  }
  // Outside the lock: a post may take the scheduler's own lock.
  for (Waiter& w : waiters) {
    w.scheduler->post([wake = std::move(w.wake), outcome] { wake(outcome); });
  }
}

bool FillRegistry::leave(const std::string& key, std::uint64_t waiter) {
  Wake dropped;  // destroyed after the lock is released
  Shard& shard = shardOf(key);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.fills.find(key);
  if (it == shard.fills.end()) return false;
  auto& list = it->second;
  const auto w = std::find_if(list.begin(), list.end(), [&](const Waiter& x) { return x.id == waiter; });
  if (w == list.end()) return false;
  dropped = std::move(w->wake);
  list.erase(w);
  return true;
}

void FillRegistry::forget(const Scheduler& scheduler) {
  std::vector<Wake> dropped;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (auto& [key, list] : shard.fills) {
      for (auto& w : list) {
        if (w.scheduler == &scheduler) dropped.push_back(std::move(w.wake));
      }
      std::erase_if(list, [&](const Waiter& w) { return w.scheduler == &scheduler; });
    }
  }
}

std::size_t FillRegistry::inFlight() const {
  std::size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.fills.size();
  }
  return n;
}

std::size_t FillRegistry::waiting() const {
  std::size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (const auto& [key, list] : shard.fills) n += list.size();
  }
  return n;
}

}  // namespace gateway
