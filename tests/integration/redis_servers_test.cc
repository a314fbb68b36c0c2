// The Redis fixture itself, against real redis-server processes: a standalone server that stops
// and restarts on its port, a 3-master cluster covering every slot (through a node's restart),
// the client-side slot hash, and slot migration with the redirections a cluster client must
// follow (ASK, then MOVED). About 7 s: each cluster waits out Redis's 2 s writable delay.
#include "tests/integration/redis_servers.h"

#include <gtest/gtest.h>

namespace gateway::testing {
namespace {

std::string movedTo(int slot, const RedisServer& node) {
  return "MOVED " + std::to_string(slot) + " " + node.address();
}

TEST(RedisServerTest, StartsStopsAndRestartsOnItsPort) {
  std::string error;
  auto redis = RedisServer::start(error);
  ASSERT_TRUE(redis) << error;
  EXPECT_EQ(redis->command({"PING"}), "PONG");
  EXPECT_EQ(redis->command({"SET", "k", "v 1"}), "OK");
  EXPECT_EQ(redis->command({"GET", "k"}), "v 1");
  EXPECT_EQ(redis->command({"GET", "missing"}), "(nil)");
  EXPECT_EQ(redis->command({"INCRBY", "n", "5"}), "5");
  EXPECT_EQ(redis->command({"NOSUCHCOMMAND"}).rfind("ERR unknown command", 0), 0u);

  const int port = redis->port();
  redis->stop();
  EXPECT_FALSE(redis->running());
  EXPECT_EQ(redis->command({"PING"}).rfind("ERR connect: ", 0), 0u) << redis->command({"PING"});

  ASSERT_TRUE(redis->restart(error)) << error;
  EXPECT_TRUE(redis->running());
  EXPECT_EQ(redis->port(), port);
  EXPECT_EQ(redis->command({"PING"}), "PONG");
  EXPECT_EQ(redis->command({"GET", "k"}), "(nil)");  // no persistence: a restart starts empty
}

TEST(RedisServerTest, ArraysAreFlattened) {
  std::string error;
  auto redis = RedisServer::start(error);
  ASSERT_TRUE(redis) << error;
  EXPECT_EQ(redis->command({"RPUSH", "l", "a", "b", "c"}), "3");
  EXPECT_EQ(redis->command({"LRANGE", "l", "0", "-1"}), "a b c");
  EXPECT_EQ(redis->command({"EVAL", "return {1, {2, 'x'}, 3}", "0"}), "1 2 x 3");
}

TEST(RedisClusterTest, ThreeMastersCoverEverySlot) {
  std::string error;
  auto cluster = RedisCluster::start(3, error);
  ASSERT_TRUE(cluster) << error;
  ASSERT_EQ(cluster->size(), 3);
  EXPECT_EQ(cluster->addresses().size(), 3u);
  for (int i = 0; i < cluster->size(); ++i) {
    const std::string info = cluster->node(i).command({"CLUSTER", "INFO"});
    EXPECT_NE(info.find("cluster_state:ok"), std::string::npos) << info;
    EXPECT_NE(info.find("cluster_slots_assigned:16384"), std::string::npos) << info;
    EXPECT_NE(info.find("cluster_size:3"), std::string::npos) << info;
  }
  EXPECT_EQ(cluster->ownerOf(0), 0);
  EXPECT_EQ(cluster->ownerOf(5461), 1);
  EXPECT_EQ(cluster->ownerOf(16383), 2);

  // slotOf agrees with the server, with and without hash tags (the spec's edge cases included).
  for (const std::string key :
       {"", "a", "foo", "123456789", "user:1000", "{user1000}.following", "{user1000}.followers", "foo{}{bar}",
        "foo{{bar}}zap", "foo{bar}{zap}", "{}", "x{y", "x}y{z}", "rl:{tenant-7}:route/api", "with space"}) {
    EXPECT_EQ(std::to_string(RedisCluster::slotOf(key)), cluster->node(0).command({"CLUSTER", "KEYSLOT", key}))
        << "key '" << key << "'";
  }
  EXPECT_EQ(RedisCluster::slotOf("123456789"), 0x31C3);  // the CRC16-XMODEM check value
  EXPECT_EQ(RedisCluster::slotOf("{user1000}.a"), RedisCluster::slotOf("{user1000}.b"));

  // A key set anywhere but its owner is redirected there.
  const std::string key = "rl:{tenant-7}:route/api";
  const int slot = RedisCluster::slotOf(key);
  const int owner = cluster->ownerOf(slot);
  ASSERT_GE(owner, 0);
  EXPECT_EQ(cluster->node((owner + 1) % 3).command({"SET", key, "1"}), movedTo(slot, cluster->node(owner)));
  EXPECT_EQ(cluster->node(owner).command({"SET", key, "1"}), "OK");

  // A node restarted (crashed and back) keeps its id and slots, empty; the cluster is ok again.
  const std::string id = cluster->node(1).command({"CLUSTER", "MYID"});
  const int slot4 = RedisCluster::slotOf("k4");
  ASSERT_EQ(cluster->ownerOf(slot4), 1);
  ASSERT_EQ(cluster->node(1).command({"SET", "k4", "1"}), "OK");
  cluster->node(1).stop();
  EXPECT_EQ(cluster->node(1).command({"PING"}).rfind("ERR connect: ", 0), 0u);
  ASSERT_TRUE(cluster->node(1).restart(error)) << error;
  ASSERT_TRUE(cluster->awaitOk(error)) << error;
  EXPECT_EQ(cluster->node(1).command({"CLUSTER", "MYID"}), id);
  EXPECT_EQ(cluster->ownerOf(slot4), 1);
  EXPECT_EQ(cluster->node(1).command({"GET", "k4"}), "(nil)");
  EXPECT_EQ(cluster->node(0).command({"GET", "k4"}), movedTo(slot4, cluster->node(1)));
}

TEST(RedisClusterTest, MigrationAnswersAskThenMoved) {
  std::string error;
  auto cluster = RedisCluster::start(3, error);
  ASSERT_TRUE(cluster) << error;

  // Slot A moves in one go: the old owner answers MOVED, the new owner has the value.
  const std::string moved = "user:{moved}:count";
  const int a = RedisCluster::slotOf(moved);
  const int ownerA = cluster->ownerOf(a);
  ASSERT_GE(ownerA, 0);
  ASSERT_EQ(cluster->node(ownerA).command({"SET", moved, "41"}), "OK");
  const int toA = (ownerA + 1) % 3;
  ASSERT_TRUE(cluster->migrateSlot(a, toA, error)) << error;
  EXPECT_EQ(cluster->ownerOf(a), toA);
  EXPECT_EQ(cluster->node(ownerA).command({"GET", moved}), movedTo(a, cluster->node(toA)));
  EXPECT_EQ(cluster->node(toA).command({"INCR", moved}), "42");

  // Slot B step by step: while it migrates, a key already moved gets ASK from the old owner,
  // and the new owner (not yet the owner) still answers MOVED to the old one without ASKING.
  const std::string asked = "user:{asked}:count";
  const int b = RedisCluster::slotOf(asked);
  ASSERT_NE(a, b);
  const int ownerB = cluster->ownerOf(b);
  ASSERT_GE(ownerB, 0);
  ASSERT_EQ(cluster->node(ownerB).command({"SET", asked, "7"}), "OK");
  const int toB = (ownerB + 2) % 3;
  ASSERT_TRUE(cluster->beginMigration(b, toB, error)) << error;
  EXPECT_EQ(cluster->node(ownerB).command({"GET", asked}), "7");  // not moved yet: still served
  ASSERT_TRUE(cluster->moveKeys(b, error)) << error;
  EXPECT_EQ(cluster->node(ownerB).command({"GET", asked}),
            "ASK " + std::to_string(b) + " " + cluster->node(toB).address());
  EXPECT_EQ(cluster->node(toB).command({"GET", asked}), movedTo(b, cluster->node(ownerB)));
  EXPECT_EQ(cluster->ownerOf(b), ownerB);
  ASSERT_TRUE(cluster->finishMigration(b, error)) << error;
  EXPECT_EQ(cluster->ownerOf(b), toB);
  EXPECT_EQ(cluster->node(ownerB).command({"GET", asked}), movedTo(b, cluster->node(toB)));
  EXPECT_EQ(cluster->node(toB).command({"GET", asked}), "7");

  // Misuse is an error, not a hang.
  EXPECT_FALSE(cluster->moveKeys(b, error));
  EXPECT_FALSE(cluster->migrateSlot(b, toB, error));  // it owns it already
  EXPECT_NE(error.find("owned by node"), std::string::npos) << error;
}

}  // namespace
}  // namespace gateway::testing
