#include "libgateway/net/redis_limit_client.h"

#include <algorithm>
#include <charconv>
#include <random>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <hiredis/hiredis.h>

#include "libgateway/core/hex.h"
#include "libgateway/net/http_wire.h"

namespace gateway::net {

namespace asio = boost::asio;

int redisKeySlot(std::string_view key) {
  // Only the part between the first '{' and the next '}' counts, when it is not empty.
  if (const auto open = key.find('{'); open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
  }
  std::uint16_t crc = 0;  // CRC16-XMODEM: polynomial 0x1021, initial 0
  for (unsigned char c : key) {
    crc ^= static_cast<std::uint16_t>(c << 8);
    for (int i = 0; i < 8; ++i) crc = static_cast<std::uint16_t>(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc & 16383;
}

// One command on its way, kept until answered so that a redirect can send it again: one
// script call for one key, or a batch of decisions (several keys of one slot, a Done each).
struct RedisLimitClient::Call {
  const LimitScript* script = nullptr;
  std::vector<std::string> keys;
  std::vector<std::string> args;
  int slot = 0;
  TimePoint deadline = 0;
  std::vector<Done> dones;  // decisions: one per key; others: one, or none (fire and forget)
  bool (*parse)(const redisReply&, ClusterAnswer&) = nullptr;
  std::string target;   // set by MOVED/ASK: where to send next
  bool asking = false;  // ASK: send ASKING first
  bool eval = false;    // NOSCRIPT: send the source (EVAL) instead of the digest
  int redirects = 0;
};

namespace {

// Decision `i` of a batch's reply (five integers each).
bool parseDecision(const redisReply& r, std::size_t i, std::size_t n, ClusterAnswer& a) {
  if (r.type != REDIS_REPLY_ARRAY || r.elements != 5 * n) return false;
  std::int64_t values[5];
  for (std::size_t k = 0; k < 5; ++k) {
    const redisReply* e = r.element[5 * i + k];
    if (e->type != REDIS_REPLY_INTEGER) return false;
    values[k] = e->integer;
  }
  const auto d = decisionFromReply(values);
  if (!d) return false;
  a.decision = *d;
  return true;
}

bool parseCount(const redisReply& r, ClusterAnswer& a) {
  const redisReply* v = &r;
  if (r.type == REDIS_REPLY_ARRAY && r.elements >= 1) v = r.element[0];
  if (v->type != REDIS_REPLY_INTEGER) return false;
  a.count = v->integer;
  return true;
}

std::string number(std::int64_t v) { return std::to_string(v); }

}  // namespace

RedisLimitClient::RedisLimitClient(asio::io_context& io, Clock& clock, Options options)
    : io_(io), clock_(clock), options_(std::move(options)) {
  slots_.fill(-1);
  std::random_device entropy;
  const std::uint64_t nonce = (std::uint64_t{entropy()} << 32) ^ entropy();
  appendHex(holderPrefix_, std::string_view(reinterpret_cast<const char*>(&nonce), sizeof nonce));
  holderPrefix_ += ':';
  buildGreeting();
  refreshSlots();
}

void RedisLimitClient::buildGreeting() {
  greeting_.clear();
  greetingCommands_ = 0;
  if (!options_.password.empty()) {
    if (options_.username.empty()) appendRedisCommand(greeting_, {"AUTH", options_.password});
    else appendRedisCommand(greeting_, {"AUTH", options_.username, options_.password});
    ++greetingCommands_;
  }
  for (const LimitScript* s : allLimitScripts()) {
    appendRedisCommand(greeting_, {"SCRIPT", "LOAD", s->source});
    ++greetingCommands_;
  }
}

RedisLimitClient::~RedisLimitClient() { close(); }

void RedisLimitClient::close() {
  closed_ = true;
  for (auto& [address, c] : connections_) c->close();
}

void RedisLimitClient::reconfigure(const Options& next) {
  options_.timeout = next.timeout;
  for (auto& [address, c] : connections_) c->staleAfter = staleAfter();
  if (next.seeds.empty() || (next.seeds == options_.seeds && next.username == options_.username &&
                             next.password == options_.password)) {
    return;
  }
  options_.seeds = next.seeds;
  options_.username = next.username;
  options_.password = next.password;
  buildGreeting();
  // Closing fails pending calls, whose callbacks may send again (to the new seeds): the old
  // map is moved out of the way first.
  auto old = std::move(connections_);
  connections_.clear();
  nodes_.clear();
  slots_.fill(-1);
  standalone_ = false;
  for (auto& [address, c] : old) c->close();
  ++refreshGeneration_;  // the old map's refresh, failed by the close, is no longer the one out
  refreshing_ = false;
  lastRefresh_ = clock_.now() - seconds(1);
  refreshSlots();
}

RedisConnection& RedisLimitClient::connection(const std::string& address) {
  auto& c = connections_[address];
  if (!c) {
    c = std::make_shared<RedisConnection>(io_, clock_, address);
    c->setGreeting(greeting_, greetingCommands_);
    c->staleAfter = staleAfter();
  }
  return *c;
}

void RedisLimitClient::decide(const LimiterSpec& spec, std::string_view key, TimePoint now, std::int64_t cost,
                              Duration lease, Done done) {
  // Decisions asked in one turn of the loop go as batches: one script call per (script, slot),
  // sent when the turn ends (a standalone server takes every slot in one batch).
  const LimitScript* script = &decideScript(spec.algorithm);
  // One slot per batch, unless the server is known to be a standalone one.
  const int slot = standalone_ ? 0 : redisKeySlot(key);
  std::shared_ptr<Call>* batch = nullptr;
  for (auto& b : batches_) {
    if (b->script == script && b->slot == slot && b->keys.size() < options_.maxBatch) {
      batch = &b;
      break;
    }
  }
  if (!batch) {
    auto call = std::make_shared<Call>();
    call->script = script;
    call->slot = slot;
    call->deadline = clock_.now() + options_.timeout;
    batch = &batches_.emplace_back(std::move(call));
  }
  Call& call = **batch;
  call.keys.emplace_back(key);
  if (spec.algorithm == LimiterAlgorithm::kConcurrency) {
    std::string holder = holderPrefix_ + number(static_cast<std::int64_t>(++holders_));
    appendDecideArgs(spec, now + options_.unixOffset, cost, lease, holder, call.args);
    // The answer names the holder; a decision that failed after it was sent may still have been
    // admitted (its answer late, or lost with the connection): its units are given back, in
    // case. One that never reached Redis (refused, no connection) needs nothing.
    done = [this, alive = lifeline(), key = std::string(key), holder = std::move(holder), cost,
            done = std::move(done)](const ClusterAnswer& a) {
      const bool unsent = a.error == "connection refused" || a.error == "connect failed" || a.error == "closed";
      if (!a.ok && !unsent && !alive.expired() && !closed_) release(key, holder, cost);
      ClusterAnswer named = a;
      if (a.ok && a.decision.allowed) named.holder = holder;
      done(named);
    };
  } else {
    appendDecideArgs(spec, now + options_.unixOffset, cost, lease, {}, call.args);
  }
  call.dones.push_back(std::move(done));
  if (!flushPosted_) {
    flushPosted_ = true;
    asio::post(io_, [this] { flushBatches(); });
  }
}

void RedisLimitClient::flushBatches() {
  flushPosted_ = false;
  std::vector<std::shared_ptr<Call>> batches;
  batches.swap(batches_);
  for (auto& b : batches) {
    if (standalone_) b->slot = redisKeySlot(b->keys.front());
    stats_.batched += static_cast<std::int64_t>(b->keys.size());
    run(std::move(b));
  }
}

void RedisLimitClient::release(std::string_view key, std::string_view holder, std::int64_t cost) {
  auto call = std::make_shared<Call>();
  call->script = &releaseScript();
  call->keys.emplace_back(key);
  call->args = {std::string(holder), number(cost)};
  call->slot = redisKeySlot(key);
  call->deadline = clock_.now() + options_.timeout;
  run(std::move(call));
}

void RedisLimitClient::addToWindow(std::string_view key, std::int64_t window, std::int64_t delta, Duration ttl,
                                   Done done) {
  auto call = std::make_shared<Call>();
  call->script = &windowAddScript();
  call->keys.emplace_back(key);
  call->args = {number(window), number(delta), number((ttl + kMillisecond - 1) / kMillisecond)};
  call->slot = redisKeySlot(key);
  call->deadline = clock_.now() + options_.timeout;
  call->dones.push_back(std::move(done));
  call->parse = parseCount;
  run(std::move(call));
}

void RedisLimitClient::run(std::shared_ptr<Call> call) {
  if (closed_) {
    // The worker is stopping: nothing new goes out (a reconnect would keep its loop alive).
    asio::post(io_, [call] {
      for (auto& done : call->dones) done(ClusterAnswer{false, {}, 0, "closed", {}});
    });
    return;
  }
  std::string address = call->target;
  if (address.empty()) {
    // A standalone server is the first seed; in a cluster a slot with no known owner yet goes
    // to the seeds in turn (any of them redirects), so one dead seed does not stop it.
    const int node = slots_[call->slot];
    if (node >= 0) address = nodes_[static_cast<std::size_t>(node)];
    else if (standalone_) address = options_.seeds.front();
    else address = options_.seeds[seedCursor_++ % options_.seeds.size()];
  }
  std::string command;
  if (call->asking) appendRedisCommand(command, {"ASKING"});
  const std::string count = number(static_cast<std::int64_t>(call->keys.size()));
  appendRedisCommand(command, {call->eval ? "EVAL" : "EVALSHA", call->eval ? call->script->source : call->script->sha1, count},
                     {&call->keys, &call->args});
  RedisConnection& c = connection(address);
  ++stats_.sent;
  if (call->asking) c.send({}, call->deadline, nullptr);  // ASKING's own reply (+OK)
  c.send(command, call->deadline, [this, call](const RedisResult& r) { onReply(call, r); });
}

void RedisLimitClient::onReply(const std::shared_ptr<Call>& call, const RedisResult& result) {
  ClusterAnswer answer;
  auto failAll = [&call, &answer] {
    for (auto& done : call->dones) done(answer);
  };
  if (!result.reply) {
    ++stats_.errors;
    if (result.error == "timeout") ++stats_.timeouts;
    // A node that does not answer may have failed over: ask another for the map.
    if (!standalone_) refreshSlots();
    answer.error = result.error;
    return failAll();
  }
  const redisReply& r = *result.reply;
  if (r.type == REDIS_REPLY_ERROR) {
    const std::string_view text(r.str, r.len);
    const bool moved = text.starts_with("MOVED "), ask = text.starts_with("ASK ");
    if ((moved || ask) && call->redirects < 5) {
      // "MOVED <slot> <ip>:<port>": the slot lives there now (ASK: for this command only).
      const auto at = text.rfind(' ');
      call->target = std::string(text.substr(at + 1));
      call->asking = ask;
      ++call->redirects;
      if (options_.health) options_.health->countRedirect(moved);
      if (moved) {
        ++stats_.moved;
        refreshSlots();
      } else {
        ++stats_.asked;
      }
      return run(call);
    }
    if (text.starts_with("NOSCRIPT") && !call->eval) {
      ++stats_.noscript;
      call->eval = true;
      return run(call);
    }
    ++stats_.errors;
    answer.error = text;
    return failAll();
  }
  ++stats_.answered;
  if (call->parse) {
    answer.ok = call->parse(r, answer);
    if (!answer.ok) answer.error = "unexpected reply";
    return failAll();  // one Done: ok or not
  }
  const std::size_t n = call->dones.size();
  for (std::size_t i = 0; i < n; ++i) {
    ClusterAnswer a;
    a.ok = parseDecision(r, i, n, a);
    if (!a.ok) a.error = "unexpected reply";
    call->dones[i](a);
  }
}

void RedisLimitClient::refreshSlots() {
  // One at a time, at most one per 100 ms; each asks the next of the known nodes and the
  // seeds, so a dead node (or a dead first seed) is not asked forever.
  const TimePoint now = clock_.now();
  if (refreshing_ || (stats_.slotRefreshes > 0 && now - lastRefresh_ < millis(100))) return;
  refreshing_ = true;
  lastRefresh_ = now;
  ++stats_.slotRefreshes;
  std::string command;
  appendRedisCommand(command, {"CLUSTER", "SLOTS"});
  const std::size_t candidates = nodes_.size() + options_.seeds.size();
  const std::size_t pick = refreshCursor_++ % candidates;
  const std::string address = pick < nodes_.size() ? nodes_[pick] : options_.seeds[pick - nodes_.size()];
  connection(address).send(command, now + options_.timeout, [this, gen = refreshGeneration_](const RedisResult& res) {
    if (gen != refreshGeneration_) return;
    refreshing_ = false;
    // An error reply: cluster support is disabled, a standalone server (no answer: not known yet).
    if (res.reply && res.reply->type == REDIS_REPLY_ERROR && nodes_.empty()) standalone_ = true;
    if (!res.reply || res.reply->type != REDIS_REPLY_ARRAY) return;
    // Each entry: start, end, [ip, port, id], replicas...
    std::vector<std::string> nodes;
    std::array<std::int16_t, 16384> slots;
    slots.fill(-1);
    for (std::size_t i = 0; i < res.reply->elements; ++i) {
      const redisReply* e = res.reply->element[i];
      if (e->type != REDIS_REPLY_ARRAY || e->elements < 3) continue;
      const redisReply* master = e->element[2];
      if (master->type != REDIS_REPLY_ARRAY || master->elements < 2) continue;
      const std::string address = std::string(master->element[0]->str, master->element[0]->len) + ":" +
                                  std::to_string(master->element[1]->integer);
      auto at = std::find(nodes.begin(), nodes.end(), address);
      if (at == nodes.end()) at = nodes.insert(nodes.end(), address);
      const auto index = static_cast<std::int16_t>(at - nodes.begin());
      for (long long s = e->element[0]->integer; s <= e->element[1]->integer && s < 16384; ++s) {
        if (s >= 0) slots[static_cast<std::size_t>(s)] = index;
      }
    }
    nodes_ = std::move(nodes);
    slots_ = slots;
    stats_.cluster = true;
    standalone_ = false;
  });
}

bool resolveRedisSeeds(std::vector<std::string>& seeds, std::string& error) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  for (std::string& seed : seeds) {
    std::string host, why;
    std::uint16_t port = 0;
    if (!splitHostPort(seed, host, port, why)) {
      error = seed + ": " + why;
      return false;
    }
    boost::system::error_code ec;
    const auto found = resolver.resolve(host, std::to_string(port), ec);
    if (ec || found.empty()) {
      error = seed + ": " + (ec ? ec.message() : "no address");
      return false;
    }
    const auto endpoint = found.begin()->endpoint();
    const std::string ip = endpoint.address().to_string();
    seed = (endpoint.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(endpoint.port());
  }
  return true;
}

}  // namespace gateway::net
