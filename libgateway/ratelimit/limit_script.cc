#include "libgateway/ratelimit/limit_script.h"

#include "libgateway/core/hex.h"
#include "libgateway/ratelimit/cluster_store.h"

#include <openssl/evp.h>

#include <array>
#include <cstddef>

namespace gateway {

namespace {

constexpr std::array<std::string_view, 9> kScriptNames{
    "token_bucket", "gcra",    "fixed_window", "sliding_counter", "sliding_log",
    "concurrency",  "release", "window_add",   "leaky_bucket",
};
// The scripts' integer math is exact within these bounds (limit_script_lua.cc): raising a
// limit of limiter_spec.h must revisit them.
static_assert(kMaxClusterBurst * kSubUnitsPerRequest + 2 * kMaxRateMilli < (std::int64_t{1} << 53),
              "token_bucket and gcra keep tokens and TAT offsets below 2^53");
static_assert(kMaxLimit < (std::int64_t{1} << 30) && kMaxLimiterWindow < (std::int64_t{1} << 43),
              "sliding_counter multiplies a count by a duration in two parts of 21 bits");
static_assert(kMaxRateMilli < (std::int64_t{1} << 41), "gcra divides 2^62 by the rate in base 2^12");

// Every script but leaky_bucket's error: what SCRIPT LOAD gets on connect.
constexpr std::size_t kLoadableScripts = 8;

std::string scriptSha1(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha1(), nullptr);
  std::string hex;
  appendHex(hex, std::string_view(reinterpret_cast<const char*>(md), len));
  return hex;
}

// Built once, in place: each LimitScript's source views a string of the same object.
struct LimitScripts {
  LimitScripts() {
    for (std::size_t i = 0; i < kScriptNames.size(); ++i) {
      sources[i] = detail::limitScriptSource(kScriptNames[i]);
      scripts[i] = LimitScript{kScriptNames[i], sources[i], scriptSha1(sources[i])};
      if (i < kLoadableScripts) loadable[i] = &scripts[i];
    }
  }
  const LimitScript& named(std::string_view name) const {
    for (const LimitScript& s : scripts) {
      if (s.name == name) return s;
    }
    return scripts.back();
  }

  std::array<std::string, kScriptNames.size()> sources;
  std::array<LimitScript, kScriptNames.size()> scripts;
  std::array<const LimitScript*, kLoadableScripts> loadable{};
};

const LimitScripts& limitScripts() {
  static const LimitScripts all;
  return all;
}

void appendArg(std::vector<std::string>& argv, std::int64_t v) { argv.push_back(std::to_string(v)); }

}  // namespace

std::string validateClusterSpec(const LimiterSpec& spec) {
  if (std::string problem = validateLimiterSpec(spec); !problem.empty()) return problem;
  const std::string name(toString(spec.algorithm));
  switch (spec.algorithm) {
    case LimiterAlgorithm::kLeakyBucket:
      return "leaky_bucket has no cluster form: its admitted requests wait for their slot in one "
             "instance; use token_bucket or gcra";
    case LimiterAlgorithm::kTokenBucket:
    case LimiterAlgorithm::kGcra:
      // Redis's Lua numbers are doubles: burst * 1e9 sub-units must stay an exact integer.
      if (spec.burst > kMaxClusterBurst) {
        return name + ": burst must be at most " + std::to_string(kMaxClusterBurst) +
               " for a cluster-scoped limit (its state is kept in 1e-9 request units, exact in Redis "
               "below 2^53)";
      }
      return "";
    default:
      return "";
  }
}

const LimitScript& decideScript(LimiterAlgorithm algorithm) { return limitScripts().named(toString(algorithm)); }

const LimitScript& releaseScript() { return limitScripts().named("release"); }

const LimitScript& windowAddScript() { return limitScripts().named("window_add"); }

std::span<const LimitScript* const> allLimitScripts() { return limitScripts().loadable; }

void appendDecideArgs(const LimiterSpec& spec, TimePoint now, std::int64_t cost, Duration lease,
                      std::string_view holder, std::vector<std::string>& argv) {
  appendArg(argv, now);
  appendArg(argv, cost);
  if (usesRate(spec.algorithm)) {
    appendArg(argv, spec.rateMilli);
    appendArg(argv, spec.burst);
  } else if (usesWindow(spec.algorithm)) {
    appendArg(argv, spec.limit);
    appendArg(argv, spec.window);
  } else {
    appendArg(argv, spec.limit);
    appendArg(argv, concurrencyHoldFor(lease));
    argv.emplace_back(holder);
  }
}

std::optional<LimitDecision> decisionFromReply(std::span<const std::int64_t> reply) {
  if (reply.size() != 5 || (reply[0] != 0 && reply[0] != 1) || reply[2] < -1 || reply[3] < 0 || reply[4] < 0) {
    return std::nullopt;
  }
  LimitDecision d;
  d.allowed = reply[0] == 1;
  d.remaining = reply[1];
  d.retryAfter = reply[2] == -1 ? kNever : reply[2];
  d.delay = reply[3];
  d.resetAfter = reply[4];
  return d;
}

}  // namespace gateway
