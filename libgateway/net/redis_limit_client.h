// gatewayd's cluster store (libgateway/ratelimit/cluster_store.h): decisions run as EVALSHA of
// the limit_script.h scripts, pipelined on the worker's event loop, with a deadline; those asked
// in one turn of the loop share script calls (a batch per script and slot, up to maxBatch). Works with
// one standalone Redis or a Redis Cluster: the slot map comes from CLUSTER SLOTS (asked at
// start and after every MOVED), a MOVED is followed to the new owner, an ASK is followed with
// ASKING for that one command, and a NOSCRIPT is answered by EVAL (which loads the script).
// Concurrency holders are named "<64 random bits in hex>:<sequence>", the random part drawn
// once per client, so names never meet across workers, processes and restarts.
// One per worker thread; not thread-safe. Net-internal (includes Asio).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "libgateway/core/env.h"
#include "libgateway/net/redis_connection.h"
#include "libgateway/pipeline/cluster_limit.h"
#include "libgateway/ratelimit/cluster_store.h"
#include "libgateway/ratelimit/limit_script.h"

namespace gateway::net {

// The hash slot of a key (Redis Cluster spec: CRC16-XMODEM of the key or its {hash tag}, mod 16384).
int redisKeySlot(std::string_view key);

class RedisLimitClient final : public ClusterStore {
 public:
  struct Options {
    std::vector<std::string> seeds;  // "ip:port" (resolveRedisSeeds turns names into addresses)
    Duration timeout = millis(50);   // per decision
    Duration unixOffset = 0;         // Unix time = the clock's now + this (the scripts' `now`)
    std::shared_ptr<ClusterHealth> health;  // counts the redirects (may be null)
    std::size_t maxBatch = 64;              // decisions per script call at most (1: no batching)
    std::string username, password;         // Redis AUTH, first on each connection ("": none)
  };
  struct Stats {
    std::int64_t sent = 0, answered = 0, errors = 0, timeouts = 0;
    std::int64_t moved = 0, asked = 0, noscript = 0, slotRefreshes = 0;
    std::int64_t batched = 0;  // decisions sent in batches (sent counts script calls)
    bool cluster = false;  // the seed answered CLUSTER SLOTS with a map
  };

  RedisLimitClient(boost::asio::io_context& io, Clock& clock, Options options);
  ~RedisLimitClient() override;

  void decide(const LimiterSpec& spec, std::string_view key, TimePoint now, std::int64_t cost, Duration lease,
              Done done) override;
  void release(std::string_view key, std::string_view holder, std::int64_t cost) override;
  void addToWindow(std::string_view key, std::int64_t window, std::int64_t delta, Duration ttl, Done done) override;

  // A reload: new calls get `next.timeout`. Other seeds or credentials: every connection is
  // closed (what is pending fails, and on_failure decides it), the slot map is dropped and
  // asked of the new seeds. Units held in the old Redis stay there until their lease ends.
  // The other options stay as built.
  void reconfigure(const Options& next);
  // Closes every connection, failing what is pending (the worker is stopping).
  void close();
  const Stats& stats() const { return stats_; }

 private:
  struct Call;
  void run(std::shared_ptr<Call> call);
  void flushBatches();
  void onReply(const std::shared_ptr<Call>& call, const RedisResult& result);
  RedisConnection& connection(const std::string& address);
  void refreshSlots();
  void buildGreeting();
  // A connection silent this long while replies are due is dropped: at least twice the timeout.
  Duration staleAfter() const { return std::max(seconds(2), 2 * options_.timeout); }

  boost::asio::io_context& io_;
  Clock& clock_;
  Options options_;
  std::string greeting_;  // AUTH, then SCRIPT LOAD of every script, first on each connection
  std::size_t greetingCommands_ = 0;
  std::map<std::string, std::shared_ptr<RedisConnection>> connections_;
  std::vector<std::string> nodes_;      // addresses that own slots
  std::array<std::int16_t, 16384> slots_;  // index into nodes_, -1: unknown (ask a seed)
  std::vector<std::shared_ptr<Call>> batches_;  // decisions of this turn of the loop, not sent yet
  bool flushPosted_ = false;
  bool standalone_ = false;  // CLUSTER SLOTS answered an error: batches may mix slots
  bool refreshing_ = false;
  std::uint64_t refreshGeneration_ = 0;  // reconfigure() starts a new one
  TimePoint lastRefresh_ = 0;
  std::size_t refreshCursor_ = 0, seedCursor_ = 0;
  bool closed_ = false;
  std::string holderPrefix_;  // "<random hex>:"
  std::uint64_t holders_ = 0;
  Stats stats_;
};

// Resolves each "host:port" of `seeds` to "ip:port" (blocking; call at start). On failure,
// returns false with `error` naming the address.
bool resolveRedisSeeds(std::vector<std::string>& seeds, std::string& error);

}  // namespace gateway::net
