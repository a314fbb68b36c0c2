// BlockFreeList / PooledAllocator: blocks are recycled per thread, capped, and freed at exit.
#include "libgateway/core/block_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <thread>
#include <vector>

namespace gateway {
namespace {

struct Big {
  char bytes[1500];
  int value = 7;
};

TEST(BlockPoolTest, ReusesTheLastBlockGivenBack) {
  using List = BlockFreeList<96, 16>;
  void* a = List::take();
  List::give(a);
  void* b = List::take();
  EXPECT_EQ(a, b);  // LIFO: the warm block comes back first
  List::give(b);
}

TEST(BlockPoolTest, SharedObjectsComeFromThePool) {
  std::set<const void*> seen;
  for (int i = 0; i < 100; ++i) {
    auto p = std::allocate_shared<Big>(PooledAllocator<Big>());
    EXPECT_EQ(p->value, 7);
    seen.insert(p.get());
  }
  EXPECT_EQ(seen.size(), 1u);  // each one reused the block the previous one gave back
}

TEST(BlockPoolTest, KeepsAtMostTheCapAndWorksAcrossThreads) {
  using List = BlockFreeList<48, 8>;
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < List::kMaxFreeBlocks + 10; ++i) blocks.push_back(List::take());
  // Given back on another thread: that thread's list keeps them (up to the cap) and frees
  // them when it ends (LeakSanitizer checks this under the asan preset).
  std::thread([&] {
    for (void* b : blocks) List::give(b);
    std::set<void*> again;
    for (int i = 0; i < 10; ++i) again.insert(List::take());
    EXPECT_EQ(again.size(), 10u);
    for (void* b : again) EXPECT_NE(std::find(blocks.begin(), blocks.end(), b), blocks.end());
    for (void* b : again) List::give(b);
  }).join();
}

}  // namespace
}  // namespace gateway
