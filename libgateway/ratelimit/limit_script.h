// The Lua scripts that take one cluster-wide rate-limit decision inside Redis (EVALSHA), one
// atomic check-and-update per decision, with exactly the decisions of the local algorithms
// (LimiterStore): the same trace of (key, now, cost) gives the same LimitDecision values.
// Time is the gateway's `now`, passed in as an argument (Unix microseconds in gatewayd, virtual
// microseconds in gwsim); Redis's own clock is never read. Plain data and pure functions:
// no I/O here (the client that sends them is libgateway/net/redis_limit_client.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/limit_decision.h"
#include "libgateway/ratelimit/limiter_spec.h"

namespace gateway {

struct LimitScript {
  std::string_view name;    // "token_bucket", ..., "release", "window_add"
  std::string_view source;  // the Lua text
  std::string sha1;         // lowercase hex SHA-1 of `source`, for EVALSHA
};

// "" when `spec` can run as a Redis script, else what is wrong (naming the field). Lua numbers
// are doubles, exact for integers below 2^53, so a cluster-scoped spec keeps its state within
// that: the bounds are in libgateway/SEMANTICS.md, "Cluster-wide limits". leaky_bucket has no
// cluster form.
std::string validateClusterSpec(const LimiterSpec& spec);
// token_bucket and gcra keep burst * 1e9 sub-units (plus one refill step) below 2^53. The
// other algorithms need no bound beyond validateLimiterSpec's (sliding_counter compares its
// products in two parts).
inline constexpr std::int64_t kMaxClusterBurst = 9'000'000;

// The script that decides for `spec.algorithm`. gcra has its own: with a `now` earlier than
// the key's last update the local Gcra and TokenBucket differ (gcra counts the lag against
// the TAT), and each script follows its algorithm. leaky_bucket's only answers an error.
// A call decides a batch: KEYS are the limiter keys (one per decision; in a Redis Cluster all
// in one slot), ARGV each decision's arguments in key order (appendDecideArgs: four, five for
// concurrency; one call has one algorithm), and the reply is five integers per decision. All of
// a key's state lives in that one Redis key, so one hash tag keeps it in one cluster slot. The
// script sets the key's expiry so that idle keys leave Redis once their state is back to fresh.
// Concurrency keeps a sorted set of the units in flight, each scored by when its lease ends:
// a decision first drops the units whose lease has passed.
const LimitScript& decideScript(LimiterAlgorithm algorithm);
// Concurrency: the holder ARGV[1] gives back its ARGV[2] units (those it does not hold are not
// counted). KEYS[1]. Returns the units still in flight.
const LimitScript& releaseScript();
// Approximate (sync) mode: adds ARGV[2] to the count of window ARGV[1] of KEYS[1] (a window
// index; the key keeps one window, a newer index replaces an older one, an older one adds
// nothing and answers 0) and returns {count of that window}. ARGV[3]: expiry in milliseconds.
// A delta <= 0 only reads.
const LimitScript& windowAddScript();
// Every script but leaky_bucket's error, for SCRIPT LOAD on connect.
std::span<const LimitScript* const> allLimitScripts();

// Appends the ARGV of decideScript(spec.algorithm) to `argv`, as decimal strings: now
// (microseconds), cost, then rateMilli and burst, or limit and window (microseconds), or (for
// concurrency) limit, the lease (microseconds, at least 1 ms) and `holder`.
// `lease`: how long a concurrency unit stays counted after its admission if its release never
// comes (a gateway that died, a decision whose answer came too late). `holder`: concurrency
// only, a name unique across every gateway that shares the store, which release takes.
void appendDecideArgs(const LimiterSpec& spec, TimePoint now, std::int64_t cost, Duration lease,
                      std::string_view holder, std::vector<std::string>& argv);

// A decide script's reply is an array of five integers: allowed (0/1), remaining,
// retry_after_us (-1 for kNever), delay_us, reset_after_us. nullopt when it is not that.
std::optional<LimitDecision> decisionFromReply(std::span<const std::int64_t> reply);

namespace detail {
// The Lua text of the script called `name` (limit_script_lua.cc).
std::string limitScriptSource(std::string_view name);
// "release" or "window_add" (limit_script_lua_updates.cc).
std::string updateScriptSource(std::string_view name);
}  // namespace detail

}  // namespace gateway
