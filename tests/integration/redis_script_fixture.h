// The fixture of the Redis script tests (redis_script_test.cc, redis_script_batch_test.cc): one
// redis-server for the suite with every script loaded, plus a copy of each whose expiries come
// an hour later (for traces in virtual time), and helpers to send a decision and read what the
// key's expiry became. One thread.
#pragma once

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "libgateway/ratelimit/limit_script.h"
#include "libgateway/ratelimit/limiter_store.h"
#include "tests/integration/redis_servers.h"

namespace gateway::testing {

using ScriptReply = std::unique_ptr<redisReply, void (*)(void*)>;

inline constexpr TimePoint kUnixNow = 1'760'000'000'000'000;  // late 2025 in Unix microseconds
inline constexpr Duration kLease = seconds(60);

inline std::string show(const LimitDecision& d) {
  std::ostringstream out;
  out << "{allowed " << d.allowed << ", remaining " << d.remaining << ", retryAfter "
      << (d.retryAfter == kNever ? std::string("never") : std::to_string(d.retryAfter)) << ", delay " << d.delay
      << ", resetAfter " << d.resetAfter << "}";
  return out.str();
}

inline std::string show(const LimiterSpec& s) {
  std::ostringstream out;
  out << toString(s.algorithm);
  if (usesRate(s.algorithm)) {
    out << " rateMilli " << s.rateMilli << " burst " << s.burst;
  } else {
    out << " limit " << s.limit;
    if (usesWindow(s.algorithm)) out << " window " << s.window << "us";
  }
  return out.str();
}

inline LimiterSpec bucket(LimiterAlgorithm a, std::int64_t rateMilli, std::int64_t burst) {
  LimiterSpec s;
  s.algorithm = a;
  s.rateMilli = rateMilli;
  s.burst = burst;
  return s;
}

inline LimiterSpec windowed(LimiterAlgorithm a, std::int64_t limit, Duration window) {
  LimiterSpec s;
  s.algorithm = a;
  s.limit = limit;
  s.window = window;
  return s;
}

// What one scripted decision answered, and the expiry the key has after it: PEXPIRETIME
// (-2: no key, -1: none) between two TIMEs, so that an expiry the script set, in ms from its
// clock, is known to lie in [setLow, setHigh].
struct Remote {
  LimitDecision decision;
  long long expireAt = -2;
  long long setLow = 0;
  long long setHigh = 0;
};

class RedisScriptTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    std::string error;
    server_ = RedisServer::start(error).release();
    ASSERT_NE(server_, nullptr) << error;
    context_ = redisConnect("127.0.0.1", server_->port());
    ASSERT_TRUE(context_ != nullptr && context_->err == 0) << (context_ ? context_->errstr : "no memory");
    for (const LimitScript* s : allLimitScripts()) {
      ASSERT_EQ(server_->command({"SCRIPT", "LOAD", std::string(s->source)}), s->sha1) << s->name;
      // The traces' copy: every expiry an hour later, so that no key of a trace that runs in
      // virtual time expires by Redis's real clock (a 1 ms expiry can pass even between two
      // commands of one EXEC); PEXPIRETIME still tells what the script set.
      std::string source(s->source);
      bool hooked = false;
      for (const std::string hook : {"'PX', int(", "redis.call('PEXPIRE', key, int("}) {
        for (auto at = source.find(hook); at != std::string::npos; at = source.find(hook, at + hook.size())) {
          source.insert(at + hook.size() - 4, std::to_string(kExpiryOffsetMs) + " + ");
          hooked = true;
        }
      }
      if (hooked) delayedSha_[std::string(s->name)] = server_->command({"SCRIPT", "LOAD", source});
    }
    for (const char* name : {"token_bucket", "gcra", "fixed_window", "sliding_counter", "sliding_log"}) {
      ASSERT_EQ(delayedSha_[name].size(), 40u) << name << ": no PEXPIRE to delay";
    }
  }
  static void TearDownTestSuite() {
    if (context_ != nullptr) redisFree(context_);
    delete server_;
    context_ = nullptr;
    server_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(server_ != nullptr && context_ != nullptr && context_->err == 0); }

  // Sends the commands in one write and returns their replies, in order.
  static std::vector<ScriptReply> pipeline(const std::vector<std::vector<std::string>>& commands) {
    for (const auto& args : commands) {
      std::vector<const char*> argv;
      std::vector<std::size_t> lens;
      for (const std::string& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
      }
      redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lens.data());
    }
    std::vector<ScriptReply> replies;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      void* r = nullptr;
      if (redisGetReply(context_, &r) != REDIS_OK) {
        ADD_FAILURE() << "redis: " << context_->errstr;
        break;
      }
      replies.emplace_back(static_cast<redisReply*>(r), freeReplyObject);
    }
    return replies;
  }

  static std::vector<std::string> evalsha(const LimitScript& script, const std::string& key,
                                          const std::vector<std::string>& args) {
    std::vector<std::string> cmd{"EVALSHA", script.sha1, "1", key};
    cmd.insert(cmd.end(), args.begin(), args.end());
    return cmd;
  }

  static std::optional<LimitDecision> decisionOf(const redisReply* r, std::string& error) {
    if (r->type == REDIS_REPLY_ERROR) {
      error = r->str;
      return std::nullopt;
    }
    std::vector<std::int64_t> values;
    if (r->type == REDIS_REPLY_ARRAY) {
      for (std::size_t i = 0; i < r->elements; ++i) {
        if (r->element[i]->type != REDIS_REPLY_INTEGER) break;
        values.push_back(r->element[i]->integer);
      }
    }
    auto d = decisionFromReply(values);
    if (!d) error = "not five integers";
    return d;
  }

  // One decision through the script, with the key's expiry after it. `delayed`: the traces'
  // copy, whose expiries are kExpiryOffsetMs later (taken off setLow and setHigh).
  static std::optional<Remote> decide(const LimiterSpec& spec, const std::string& key, TimePoint now,
                                      std::int64_t cost, std::string& error, bool delayed,
                                      std::string_view holder = "h", Duration lease = kLease) {
    std::vector<std::string> args;
    appendDecideArgs(spec, now, cost, lease, holder, args);
    const LimitScript& script = decideScript(spec.algorithm);
    std::vector<std::string> eval = evalsha(script, key, args);
    if (delayed && delayedSha_.count(std::string(script.name))) eval[1] = delayedSha_[std::string(script.name)];
    auto replies = pipeline({{"TIME"}, eval, {"PEXPIRETIME", key}, {"TIME"}});
    if (replies.size() != 4 || replies[2]->type != REDIS_REPLY_INTEGER) {
      error = "no reply";
      return std::nullopt;
    }
    auto d = decisionOf(replies[1].get(), error);
    if (!d) return std::nullopt;
    Remote r{*d, replies[2]->integer};
    if (r.expireAt >= 0) {
      const long long offset = delayed ? kExpiryOffsetMs : 0;
      r.setLow = r.expireAt - millisOf(replies[3].get()) - offset;
      r.setHigh = r.expireAt - millisOf(replies[0].get()) - offset;
    }
    return r;
  }
  // Redis's TIME reply in whole milliseconds.
  static long long millisOf(const redisReply* time) {
    if (time->type != REDIS_REPLY_ARRAY || time->elements != 2) return 0;
    return std::stoll(time->element[0]->str) * 1000 + std::stoll(time->element[1]->str) / 1000;
  }
  static std::string command(const std::vector<std::string>& args) { return server_->command(args); }

  static constexpr long long kExpiryOffsetMs = 3'600'000;
  static inline RedisServer* server_ = nullptr;
  static inline redisContext* context_ = nullptr;
  static inline std::map<std::string, std::string> delayedSha_;
};

}  // namespace gateway::testing
