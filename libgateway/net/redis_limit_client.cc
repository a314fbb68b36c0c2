#include "libgateway/net/redis_limit_client.h"

#include <charconv>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <hiredis/hiredis.h>

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

// One command on its way, kept until answered so that a redirect can send it again.
struct RedisLimitClient::Call {
  const LimitScript* script = nullptr;
  std::string key;
  std::vector<std::string> args;
  int slot = 0;
  TimePoint deadline = 0;
  Done done;
  bool (*parse)(const redisReply&, ClusterAnswer&) = nullptr;  // null: fire and forget
  std::string target;   // set by MOVED/ASK: where to send next
  bool asking = false;  // ASK: send ASKING first
  bool eval = false;    // NOSCRIPT: send the source (EVAL) instead of the digest
  int redirects = 0;
};

namespace {

bool parseDecision(const redisReply& r, ClusterAnswer& a) {
  if (r.type != REDIS_REPLY_ARRAY || r.elements != 5) return false;
  std::int64_t values[5];
  for (std::size_t i = 0; i < 5; ++i) {
    if (r.element[i]->type != REDIS_REPLY_INTEGER) return false;
    values[i] = r.element[i]->integer;
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
  for (const LimitScript* s : allLimitScripts()) appendRedisCommand(greeting_, {"SCRIPT", "LOAD", s->source});
  refreshSlots();
}

RedisLimitClient::~RedisLimitClient() { close(); }

void RedisLimitClient::close() {
  closed_ = true;
  for (auto& [address, c] : connections_) c->close();
}

RedisConnection& RedisLimitClient::connection(const std::string& address) {
  auto& c = connections_[address];
  if (!c) {
    c = std::make_shared<RedisConnection>(io_, clock_, address);
    c->setGreeting(greeting_);
  }
  return *c;
}

void RedisLimitClient::decide(const LimiterSpec& spec, std::string_view key, TimePoint now, std::int64_t cost,
                              Duration lease, Done done) {
  auto call = std::make_shared<Call>();
  call->script = &decideScript(spec.algorithm);
  call->key = key;
  appendDecideArgs(spec, now + options_.unixOffset, cost, lease, call->args);
  call->slot = redisKeySlot(key);
  call->deadline = clock_.now() + options_.timeout;
  call->done = std::move(done);
  call->parse = parseDecision;
  run(std::move(call));
}

void RedisLimitClient::release(std::string_view key, std::int64_t cost) {
  auto call = std::make_shared<Call>();
  call->script = &releaseScript();
  call->key = key;
  call->args.push_back(number(cost));
  call->slot = redisKeySlot(key);
  call->deadline = clock_.now() + options_.timeout;
  run(std::move(call));
}

void RedisLimitClient::addToWindow(std::string_view key, std::int64_t window, std::int64_t delta, Duration ttl,
                                   Done done) {
  auto call = std::make_shared<Call>();
  call->script = &windowAddScript();
  call->key = key;
  call->args = {number(window), number(delta), number((ttl + kMillisecond - 1) / kMillisecond)};
  call->slot = redisKeySlot(key);
  call->deadline = clock_.now() + options_.timeout;
  call->done = std::move(done);
  call->parse = parseCount;
  run(std::move(call));
}

void RedisLimitClient::run(std::shared_ptr<Call> call) {
  if (closed_) {
    // The worker is stopping: nothing new goes out (a reconnect would keep its loop alive).
    if (call->done) asio::post(io_, [call] { call->done(ClusterAnswer{false, {}, 0, "closed"}); });
    return;
  }
  std::string address = call->target;
  if (address.empty()) {
    const int node = slots_[call->slot];
    address = node >= 0 ? nodes_[node] : options_.seeds.front();
  }
  std::string command;
  if (call->asking) appendRedisCommand(command, {"ASKING"});
  if (call->eval) appendRedisCommand(command, {"EVAL", call->script->source, "1", call->key}, &call->args);
  else appendRedisCommand(command, {"EVALSHA", call->script->sha1, "1", call->key}, &call->args);
  RedisConnection& c = connection(address);
  ++stats_.sent;
  if (call->asking) c.send({}, call->deadline, nullptr);  // ASKING's own reply (+OK)
  c.send(command, call->deadline, [this, call](const RedisResult& r) { onReply(call, r); });
}

void RedisLimitClient::onReply(const std::shared_ptr<Call>& call, const RedisResult& result) {
  ClusterAnswer answer;
  if (!result.reply) {
    ++stats_.errors;
    if (result.error == "timeout") ++stats_.timeouts;
    answer.error = result.error;
    if (call->done) call->done(answer);
    return;
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
    if (call->done) call->done(answer);
    return;
  }
  ++stats_.answered;
  if (!call->parse) return;
  answer.ok = call->parse(r, answer);
  if (!answer.ok) answer.error = "unexpected reply";
  call->done(answer);
}

void RedisLimitClient::refreshSlots() {
  if (refreshing_) return;
  refreshing_ = true;
  ++stats_.slotRefreshes;
  std::string command;
  appendRedisCommand(command, {"CLUSTER", "SLOTS"});
  // Ask a node that owns slots (the seeds at first).
  const std::string& address = nodes_.empty() ? options_.seeds.front() : nodes_.front();
  connection(address).send(command, clock_.now() + seconds(2), [this](const RedisResult& res) {
    refreshing_ = false;
    if (!res.reply || res.reply->type != REDIS_REPLY_ARRAY) return;  // standalone, or no answer
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
