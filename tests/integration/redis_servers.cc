#include "tests/integration/redis_servers.h"

#include "libgateway/net/redis_limit_client.h"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <thread>

namespace gateway::testing {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Reply = std::unique_ptr<redisReply, void (*)(void*)>;

constexpr int kSlots = 16384;
constexpr auto kStartTimeout = 10s;
constexpr auto kConvergeTimeout = 10s;
const std::vector<std::string> kClusterArgs = {"--cluster-enabled",      "yes", "--cluster-config-file", "nodes.conf",
                                               "--cluster-node-timeout", "2000"};

// posix_spawn does not search PATH.
std::string redisServerPath() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin";
  for (std::size_t at = 0; at <= dirs.size();) {
    const auto end = std::min(dirs.find(':', at), dirs.size());
    const std::string candidate = dirs.substr(at, end - at) + "/redis-server";
    if (end > at && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    at = end + 1;
  }
  return "/usr/bin/redis-server";
}

// Binds 127.0.0.1:`port` (0: any) and returns the port bound, or 0. Closed at once: the caller
// races with other processes for it, and retries when it loses.
int probePort(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  socklen_t len = sizeof sa;
  int bound = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    bound = ntohs(sa.sin_port);
  }
  ::close(fd);
  return bound;
}

// A free port; with `bus`, below 55535 and with port+10000 (the cluster bus) free as well.
int freePort(bool bus) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = probePort(0);
    if (port == 0) continue;
    if (!bus || (port < 55535 && probePort(port + 10000) != 0)) return port;
  }
  return 0;
}

Reply call(const std::string& address, const std::vector<std::string>& args, std::string& error) {
  const auto colon = address.rfind(':');
  const std::string host = address.substr(0, colon);
  const int port = colon == std::string::npos ? 0 : std::atoi(address.c_str() + colon + 1);
  const timeval timeout{2, 0};
  std::unique_ptr<redisContext, void (*)(redisContext*)> c(redisConnectWithTimeout(host.c_str(), port, timeout),
                                                           redisFree);
  if (!c || c->err) {
    error = "ERR connect: " + std::string(c ? c->errstr : "out of memory");
    return Reply(nullptr, freeReplyObject);
  }
  redisSetTimeout(c.get(), timeout);
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  Reply reply(
      static_cast<redisReply*>(redisCommandArgv(c.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())),
      freeReplyObject);
  if (!reply) error = "ERR io: " + std::string(c->errstr);
  return reply;
}

std::string flatten(const redisReply& r) {
  switch (r.type) {
    case REDIS_REPLY_INTEGER:
      return std::to_string(r.integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::string out;
      for (std::size_t i = 0; i < r.elements; ++i) out += (i ? " " : "") + flatten(*r.element[i]);
      return out;
    }
    default:  // string, status, error
      return std::string(r.str, r.len);
  }
}

// One range of CLUSTER SLOTS: first and last slot, the owner's port.
struct SlotRange {
  long long first, last, port;
  auto operator<=>(const SlotRange&) const = default;
};

// The slot map as `address` sees it, sorted; empty when it cannot say.
std::vector<SlotRange> slotMap(const std::string& address) {
  std::string error;
  const Reply r = call(address, {"CLUSTER", "SLOTS"}, error);
  std::vector<SlotRange> map;
  if (!r || r->type != REDIS_REPLY_ARRAY) return map;
  for (std::size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 || e->element[2]->type != REDIS_REPLY_ARRAY ||
        e->element[2]->elements < 2) {
      return {};
    }
    map.push_back({e->element[0]->integer, e->element[1]->integer, e->element[2]->element[1]->integer});
  }
  std::sort(map.begin(), map.end());
  return map;
}

long long portOwning(const std::vector<SlotRange>& map, int slot) {
  for (const auto& r : map) {
    if (r.first <= slot && slot <= r.last) return r.port;
  }
  return -1;
}

// Gossip has no event to wait on: polls `ready` every 50 ms until it holds or `limit` passes.
template <class Ready>
bool waitUntil(std::chrono::milliseconds limit, Ready ready) {
  const auto deadline = Clock::now() + limit;
  while (!ready()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

// Runs a command that must answer OK; else `error` names the node, the command and the reply.
bool expectOk(const RedisServer& node, const std::vector<std::string>& args, std::string& error) {
  const std::string reply = node.command(args);
  if (reply == "OK") return true;
  std::string text;
  for (const auto& a : args) text += (text.empty() ? "" : " ") + a;
  error = node.address() + " " + text + ": " + reply;
  return false;
}

}  // namespace

std::string redisCommand(const std::string& address, const std::vector<std::string>& args) {
  std::string error;
  const Reply r = call(address, args, error);
  return r ? flatten(*r) : error;
}

std::unique_ptr<RedisServer> RedisServer::start(std::string& error, const std::vector<std::string>& extraArgs) {
  std::unique_ptr<RedisServer> server(new RedisServer());
  server->extraArgs_ = extraArgs;
  server->dir_ = std::make_unique<TempDir>();
  const bool bus = std::find(extraArgs.begin(), extraArgs.end(), "--cluster-enabled") != extraArgs.end();
  // Another process may take the port between the probe and redis-server's bind: retry.
  for (int attempt = 0; attempt < 4; ++attempt) {
    server->port_ = freePort(bus);
    if (server->port_ == 0) {
      error = "no free port on 127.0.0.1";
      return nullptr;
    }
    if (server->launch(error)) return server;
  }
  return nullptr;
}

RedisServer::~RedisServer() = default;

std::string RedisServer::address() const { return "127.0.0.1:" + std::to_string(port_); }

bool RedisServer::launch(std::string& error) {
  std::vector<std::string> argv = {redisServerPath(), "--port", std::to_string(port_), "--dir", dir_->path().string()};
  // No persistence, in the foreground, the log on stdout (where readiness is read).
  argv.insert(argv.end(),
              {"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", ""});
  argv.insert(argv.end(), extraArgs_.begin(), extraArgs_.end());
  process_ = ChildProcess::start(argv, dir_->file("redis.err"), error);
  if (!process_) return false;
  const auto deadline = Clock::now() + kStartTimeout;
  std::string output;
  while (Clock::now() < deadline) {
    const auto line =
        process_->readLine(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (!line) break;
    if (line->find("Ready to accept connections") != std::string::npos) {
      // Nobody reads its stdout from now on: keep it quiet so the pipe never fills.
      if (expectOk(*this, {"CONFIG", "SET", "loglevel", "warning"}, error)) return true;
      process_.reset();
      return false;
    }
    output += *line + "\n";
  }
  const auto exit = process_->wait(100ms);
  error = "redis-server on port " + std::to_string(port_) +
          (exit ? " exited (" + std::to_string(*exit) + ")" : " not ready within 10 s") + "; stdout:\n" + output +
          "stderr: " + process_->stderrText();
  process_.reset();
  return false;
}

void RedisServer::stop() { process_.reset(); }

bool RedisServer::restart(std::string& error) {
  stop();
  return launch(error);
}

std::unique_ptr<RedisCluster> RedisCluster::start(int masters, std::string& error) {
  if (masters < 1 || masters > 64) {
    error = "a cluster needs 1 to 64 masters";
    return nullptr;
  }
  std::unique_ptr<RedisCluster> cluster(new RedisCluster());
  for (int i = 0; i < masters; ++i) {
    auto node = RedisServer::start(error, kClusterArgs);
    if (!node) return nullptr;
    // As redis-cli --cluster create: slots and distinct config epochs first (no epoch collision
    // to resolve), then the nodes meet.
    if (!expectOk(*node,
                  {"CLUSTER", "ADDSLOTSRANGE", std::to_string(i * kSlots / masters),
                   std::to_string((i + 1) * kSlots / masters - 1)},
                  error) ||
        !expectOk(*node, {"CLUSTER", "SET-CONFIG-EPOCH", std::to_string(i + 1)}, error)) {
      return nullptr;
    }
    cluster->ids_.push_back(node->command({"CLUSTER", "MYID"}));
    cluster->nodes_.push_back(std::move(node));
  }
  // Every pair meets directly: learning of a third node by gossip alone can take a second or two.
  for (int i = 1; i < masters; ++i) {
    for (int j = 0; j < i; ++j) {
      if (!expectOk(cluster->node(i), {"CLUSTER", "MEET", "127.0.0.1", std::to_string(cluster->node(j).port())},
                    error)) {
        return nullptr;
      }
    }
  }
  if (!cluster->awaitOk(error)) return nullptr;
  return cluster;
}

bool RedisCluster::awaitOk(std::string& error) const {
  for (int i = 0; i < size(); ++i) {
    if (!nodes_[i]->running()) {
      error = "cluster node " + std::to_string(i) + " is stopped";
      return false;
    }
  }
  const std::string known = "cluster_known_nodes:" + std::to_string(size()) + "\r\n";
  std::string last;
  const bool ok = waitUntil(kConvergeTimeout, [&] {
    const auto map = slotMap(nodes_[0]->address());
    long long covered = 0;
    for (const auto& r : map) covered += r.last - r.first + 1;
    for (const auto& node : nodes_) {
      const std::string info = node->command({"CLUSTER", "INFO"});
      if (info.find("cluster_state:ok") == std::string::npos || info.find(known) == std::string::npos ||
          covered != kSlots || slotMap(node->address()) != map) {
        last = node->address() + " reports:\n" + info;
        return false;
      }
    }
    return true;
  });
  if (!ok) error = "cluster of " + std::to_string(size()) + " not ok with one slot map within 10 s; " + last;
  return ok;
}

std::vector<std::string> RedisCluster::addresses() const {
  std::vector<std::string> out;
  for (const auto& node : nodes_) out.push_back(node->address());
  return out;
}

int RedisCluster::ownerOf(int slot) const {
  const long long port = portOwning(slotMap(nodes_[0]->address()), slot);
  for (int i = 0; i < size(); ++i) {
    if (nodes_[i]->port() == port) return i;
  }
  return -1;
}

// The gateway's own (its client routes by it), so the fixture's test checks it against Redis.
int RedisCluster::slotOf(std::string_view key) { return net::redisKeySlot(key); }

bool RedisCluster::beginMigration(int slot, int to, std::string& error) {
  if (slot < 0 || slot >= kSlots || to < 0 || to >= size()) {
    error = "no slot " + std::to_string(slot) + " or node " + std::to_string(to);
    return false;
  }
  const int from = ownerOf(slot);
  if (from < 0 || from == to) {
    error = "slot " + std::to_string(slot) + " is owned by node " + std::to_string(from) + ", cannot move it to node " +
            std::to_string(to);
    return false;
  }
  // The target first, as redis-cli does: the source then redirects with ASK to a node ready to take it.
  const std::string s = std::to_string(slot);
  if (!expectOk(node(to), {"CLUSTER", "SETSLOT", s, "IMPORTING", ids_[from]}, error) ||
      !expectOk(node(from), {"CLUSTER", "SETSLOT", s, "MIGRATING", ids_[to]}, error)) {
    return false;
  }
  migratingSlot_ = slot;
  from_ = from;
  to_ = to;
  return true;
}

bool RedisCluster::moveKeys(int slot, std::string& error) {
  if (slot != migratingSlot_) {
    error = "slot " + std::to_string(slot) + " is not migrating (beginMigration first)";
    return false;
  }
  const auto deadline = Clock::now() + kConvergeTimeout;
  for (;;) {
    const Reply keys = call(node(from_).address(), {"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), "100"}, error);
    if (!keys || keys->type != REDIS_REPLY_ARRAY) {
      if (keys) error = flatten(*keys);
      error = node(from_).address() + " CLUSTER GETKEYSINSLOT: " + error;
      return false;
    }
    if (keys->elements == 0) return true;
    if (Clock::now() >= deadline) {
      error = "slot " + std::to_string(slot) + " still has keys on node " + std::to_string(from_) + " after 10 s";
      return false;
    }
    std::vector<std::string> args = {"MIGRATE", "127.0.0.1", std::to_string(node(to_).port()), "", "0", "5000", "KEYS"};
    for (std::size_t i = 0; i < keys->elements; ++i) args.push_back(flatten(*keys->element[i]));
    const std::string reply = node(from_).command(args);
    if (reply != "OK" && reply != "NOKEY") {  // NOKEY: they expired since GETKEYSINSLOT
      error = node(from_).address() + " MIGRATE: " + reply;
      return false;
    }
  }
}

bool RedisCluster::finishMigration(int slot, std::string& error) {
  if (slot != migratingSlot_) {
    error = "slot " + std::to_string(slot) + " is not migrating (beginMigration first)";
    return false;
  }
  // Target, source, then the others, as redis-cli does: the target bumps its config epoch, so
  // its claim wins in gossip over any older one.
  std::vector<int> order = {to_, from_};
  for (int i = 0; i < size(); ++i) {
    if (i != to_ && i != from_) order.push_back(i);
  }
  for (const int i : order) {
    if (!expectOk(node(i), {"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", ids_[to_]}, error)) return false;
  }
  const long long port = node(to_).port();
  std::string last;
  const bool agreed = waitUntil(kConvergeTimeout, [&] {
    for (const auto& n : nodes_) {
      if (portOwning(slotMap(n->address()), slot) != port) {
        last = n->address();
        return false;
      }
    }
    return true;
  });
  if (!agreed) {
    error = last + " does not show slot " + std::to_string(slot) + " on " + node(to_).address() + " after 10 s";
    return false;
  }
  migratingSlot_ = from_ = to_ = -1;
  return true;
}

bool RedisCluster::migrateSlot(int slot, int to, std::string& error) {
  return beginMigration(slot, to, error) && moveKeys(slot, error) && finishMigration(slot, error);
}

}  // namespace gateway::testing
