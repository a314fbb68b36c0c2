#include "libgateway/balancing/consistent_hash.h"

#include <algorithm>
#include <string>

namespace gateway {

namespace {
bool excluded(const PickContext& ctx, std::size_t i) { return i < ctx.excluded.size() && ctx.excluded[i] != 0; }

std::optional<std::size_t> anyAvailable(std::size_t n, const PickContext& ctx, Random& random) {
  std::vector<std::size_t> ok;
  for (std::size_t i = 0; i < n; ++i) {
    if (!excluded(ctx, i)) ok.push_back(i);
  }
  if (ok.empty()) return std::nullopt;
  return ok[random.uniform(ok.size())];
}
}  // namespace

RingHash::RingHash(const std::vector<InstanceConfig>& instances, std::uint32_t ringSize)
    : instances_(instances.size()) {
  // Points per unit of weight must not depend on the other instances: if they did, removing
  // one instance would add points to the others and move keys between survivors too.
  // Only a ring that would exceed kMaxPoints is scaled down as a whole.
  constexpr std::uint64_t kMaxPoints = 1u << 20;
  std::uint64_t totalWeight = 0;
  for (const auto& i : instances) totalWeight += i.weight;
  const bool scaled = totalWeight * ringSize > kMaxPoints;
  for (std::size_t k = 0; k < instances.size(); ++k) {
    const std::uint64_t w = instances[k].weight;
    const std::uint64_t points = std::max<std::uint64_t>(1, scaled ? w * kMaxPoints / totalWeight : w * ringSize);
    for (std::uint64_t p = 0; p < points; ++p) {
      ring_.push_back({stableHash(instances[k].id + "#" + std::to_string(p)), static_cast<std::uint32_t>(k)});
    }
  }
  std::sort(ring_.begin(), ring_.end(), [](const Point& a, const Point& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.instance < b.instance;
  });
}

std::optional<std::size_t> RingHash::pick(const PickContext& ctx, Random& random) {
  if (ring_.empty()) return std::nullopt;
  if (ctx.hashKey.empty()) return anyAvailable(instances_, ctx, random);
  const std::uint64_t h = stableHash(ctx.hashKey);
  auto it = std::lower_bound(ring_.begin(), ring_.end(), h, [](const Point& p, std::uint64_t v) { return p.hash < v; });
  // Walk clockwise past excluded instances: their keys spread over the next owners.
  for (std::size_t step = 0; step < ring_.size(); ++step, ++it) {
    if (it == ring_.end()) it = ring_.begin();
    if (!excluded(ctx, it->instance)) return it->instance;
  }
  return std::nullopt;
}

Maglev::Maglev(const std::vector<InstanceConfig>& instances) : table_(kTableSize, UINT32_MAX), instances_(instances.size()) {
  const std::size_t n = instances.size();
  if (n == 0) return;
  std::vector<std::uint64_t> offset(n), skip(n), next(n, 0);
  std::uint32_t maxWeight = 1;
  for (std::size_t i = 0; i < n; ++i) {
    offset[i] = stableHash(instances[i].id, 0x6d61676c6576ULL) % kTableSize;
    skip[i] = stableHash(instances[i].id, 0x736b6970ULL) % (kTableSize - 1) + 1;
    maxWeight = std::max(maxWeight, instances[i].weight);
  }
  std::vector<std::uint64_t> credit(n, 0);
  std::uint32_t filled = 0;
  while (filled < kTableSize) {
    for (std::size_t i = 0; i < n && filled < kTableSize; ++i) {
      credit[i] += instances[i].weight;
      if (credit[i] < maxWeight) continue;
      credit[i] -= maxWeight;
      std::uint64_t slot;
      do {
        slot = (offset[i] + next[i] * skip[i]) % kTableSize;
        ++next[i];
      } while (table_[slot] != UINT32_MAX);
      table_[slot] = static_cast<std::uint32_t>(i);
      ++filled;
    }
  }
}

std::optional<std::size_t> Maglev::pick(const PickContext& ctx, Random& random) {
  if (instances_ == 0) return std::nullopt;
  if (ctx.hashKey.empty()) return anyAvailable(instances_, ctx, random);
  std::uint64_t slot = stableHash(ctx.hashKey) % kTableSize;
  for (std::uint32_t step = 0; step < kTableSize; ++step) {
    const std::uint32_t i = table_[slot];
    if (!excluded(ctx, i)) return i;
    slot = (slot + 1) % kTableSize;
  }
  return std::nullopt;
}

}  // namespace gateway
