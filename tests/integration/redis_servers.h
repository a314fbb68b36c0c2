// Real redis-server processes for the tests of cluster-wide limits: a standalone server and a
// Redis Cluster of N masters, each on an ephemeral 127.0.0.1 port, without persistence, started
// and killed by the test (child processes: nothing is left behind when a test fails). Commands
// go over hiredis's blocking API. Not thread-safe; one owner.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/child_process.h"
#include "tests/integration/temp_dir.h"

namespace gateway::testing {

// One server's reply to command(), flattened for assertions: an integer or a status/string as
// text, an error as its text (which starts with its code: "ERR ...", "MOVED ...", "ASK ...",
// "NOSCRIPT ..."), nil as "(nil)", an array as its elements joined by ' ' (nested ones too).
// No connection or no reply: "ERR connect: <reason>" or "ERR io: <reason>".
std::string redisCommand(const std::string& address, const std::vector<std::string>& args);

class RedisServer {
 public:
  // Starts `redis-server` on a free port, waiting until it accepts connections. `extraArgs`
  // are appended ("--cluster-enabled", "yes", ...). Null with `error` set on failure.
  static std::unique_ptr<RedisServer> start(std::string& error, const std::vector<std::string>& extraArgs = {});
  ~RedisServer();

  int port() const { return port_; }
  std::string address() const;  // "127.0.0.1:<port>"

  // Kills it (SIGKILL, reaped): connections drop at once, as in a crash.
  void stop();
  // Starts it again on the same port (with the same arguments), empty (no persistence). A
  // cluster node keeps its id and slots (its nodes.conf), but the cluster is ok again only
  // seconds later (RedisCluster::awaitOk). False with `error` set.
  bool restart(std::string& error);
  bool running() const { return process_ != nullptr; }

  std::string command(const std::vector<std::string>& args) const { return redisCommand(address(), args); }

 private:
  RedisServer() = default;
  bool launch(std::string& error);
  int port_ = 0;
  std::vector<std::string> extraArgs_;
  std::unique_ptr<TempDir> dir_;  // its working directory (cluster nodes.conf), removed on destruction
  std::unique_ptr<ChildProcess> process_;
};

// A Redis Cluster of `masters` masters and no replicas, slots spread evenly, every node agreeing
// on the slot map before start() returns.
class RedisCluster {
 public:
  static std::unique_ptr<RedisCluster> start(int masters, std::string& error);

  std::vector<std::string> addresses() const;
  RedisServer& node(int i) { return *nodes_[i]; }
  int size() const { return static_cast<int>(nodes_.size()); }
  // Waits (10 s at most) until every node reports cluster_state:ok and the same slot map
  // covering all 16384 slots: after start(), or after a node's restart(). False with `error` set.
  bool awaitOk(std::string& error) const;
  // The index of the node that owns `slot` now (per CLUSTER SLOTS on node 0).
  int ownerOf(int slot) const;
  // The hash slot of a key: CRC16-XMODEM mod 16384 of the key or of its {hash tag}.
  static int slotOf(std::string_view key);

  // A slot migration in the steps redis-cli --cluster reshard takes, so a test can act between
  // them: while a slot is migrating, a key already moved gets ASK from the old owner; after the
  // migration, the old owner answers MOVED. Each returns false with `error` set on failure.
  bool beginMigration(int slot, int to, std::string& error);  // IMPORTING on `to`, MIGRATING on owner
  bool moveKeys(int slot, std::string& error);                // MIGRATE every key of the slot
  bool finishMigration(int slot, std::string& error);         // SETSLOT NODE on every master
  // All three in a row.
  bool migrateSlot(int slot, int to, std::string& error);

 private:
  RedisCluster() = default;
  std::vector<std::unique_ptr<RedisServer>> nodes_;
  std::vector<std::string> ids_;  // CLUSTER MYID of each node
  // Set by beginMigration: the slot's old owner and new owner.
  int migratingSlot_ = -1, from_ = -1, to_ = -1;
};

}  // namespace gateway::testing
