// The Lua text of the scripts of limit_script.h. Each decide script mirrors one algorithm of
// libgateway/ratelimit line by line (the same names, the same order of tests), so that a
// change to one side is easy to carry to the other; tests/integration/redis_script_test.cc
// checks that they decide alike. Redis 7 runs Lua 5.1: numbers are doubles, exact for integers
// below 2^53, so every product below is bounded (see the comments) or done in two parts.
#include <string>
#include <string_view>

#include "libgateway/ratelimit/limit_script.h"

namespace gateway::detail {

namespace {

// Shared by every decide script. fdiv checks the double quotient with exact products
// (|n| + d < 2^53; for such integers the rounded quotient never crosses an integer, the check
// keeps that from resting on the bounds alone). Numbers go to Redis through '%d': Lua's own
// tostring keeps 14 digits.
// A key's state is one string (struct.pack of doubles, exact below 2^53; sliding_log and
// concurrency keep theirs in a list and a sorted set): the batch reads every key with one MGET, a decision
// reads `states` and writes with one SET ... PX, and a key decided twice in one batch sees its
// first decision through `states`. A key of another type or length reads as fresh and is
// replaced by the first write.
constexpr std::string_view kLuaPrelude = R"lua(
local function fdiv(n, d)
  local q = math.floor(n / d)
  if q * d > n then q = q - 1 elseif (q + 1) * d <= n then q = q + 1 end
  return q
end
local function cdiv(n, d) return -fdiv(-n, d) end
local function int(x) return string.format('%d', x) end
local states = {}
-- The key's doubles, or nothing when it has no state of this shape.
local function load(key, format, size)
  local s = states[key]
  if s and #s == size then return struct.unpack(format, s) end
end
-- Writes the key's state; it lives until fresh again: `us` from now, in whole ms rounded up, at least 1.
local function keep(key, value, us)
  states[key] = value
  redis.call('SET', key, value, 'PX', int(math.max(1, cdiv(us, 1000))))
end
-- One decision: the key, now (us), cost and the algorithm's parameters; five integers back.
local function decide(key, now, cost, p3, p4, p5)
)lua";

// After the body: the script takes a batch, n keys and 4 * n arguments (each decision's now,
// cost and two parameters; concurrency: 5 * n, a holder's name the fifth), and answers 5 * n
// integers, the decisions in key order. One call
// for many decisions spreads Redis's cost of running a script over all of them; one MGET reads
// them all.
constexpr std::string_view kLuaEnd = R"lua(
end
)lua";
constexpr std::string_view kLuaReadStates = R"lua(
local got = redis.call('MGET', unpack(KEYS))
for i = 1, #KEYS do states[KEYS[i]] = got[i] end
)lua";
constexpr std::string_view kLuaBatch = R"lua(
local out, per = {}, #ARGV / #KEYS
for i = 1, #KEYS do
  local b, o = (i - 1) * per, (i - 1) * 5
  out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] =
    decide(KEYS[i], tonumber(ARGV[b + 1]), math.max(0, tonumber(ARGV[b + 2])), tonumber(ARGV[b + 3]),
           tonumber(ARGV[b + 4]), per == 5 and ARGV[b + 5] or nil)
end
return out
)lua";

// token_bucket.h. p3, p4: rateMilli, burst. State: (tokens, last), tokens in sub-units (1e-9
// token) as of `last`; absent = a full bucket. burst <= kMaxClusterBurst keeps
// burst * 1e9 + rateMilli below 2^53.
constexpr std::string_view kLuaTokenBucket = R"lua(
local rate, burst = p3, p4
local unit = 1000000000
local cap = burst * unit
local tokens, last = load(key, '<dd', 16)
local fresh = tokens == nil
if fresh then tokens, last = cap, now end
local elapsed = now - last
if elapsed > 0 then
  -- below the fill time, elapsed * rate < cap + rate: exact
  if elapsed >= cdiv(cap, rate) then tokens = cap else tokens = math.min(cap, tokens + elapsed * rate) end
end
local allowed, retry = 0, 0
if cost > burst then
  retry = -1
elseif tokens >= cost * unit then
  allowed = 1
  tokens = tokens - cost * unit
  if cost > 0 then
    if now > last then last = now end
    keep(key, struct.pack('<dd', tokens, last), last - now + cdiv(cap - tokens, rate))
  end
else
  retry = cdiv(cost * unit - tokens, rate)
end
if allowed == 0 and fresh and cost > 0 then
  -- As in the local store a charged request creates the key; `last` matters to a late now.
  keep(key, struct.pack('<dd', cap, now), 0)
end
return allowed, fdiv(tokens, unit), retry, 0, cdiv(cap - tokens, rate)
)lua";

// gcra.h. p3, p4: rateMilli, burst. State: (at, frac): the TAT in ticks of
// 1/rateMilli us is at * rateMilli + frac (0 <= frac < rateMilli), split because ticks pass
// 2^53; absent = TAT now. With u = at - now, ahead = u * rateMilli + frac ticks.
constexpr std::string_view kLuaGcra = R"lua(
local rate, burst = p3, p4
local unit = 1000000000
local tau = burst * unit
local need = math.min(cost, burst) * unit
local at, frac = load(key, '<dd', 16)
local fresh = at == nil
if fresh then at, frac = now, 0 end
local u = at - now
local allowed, retry, remaining, reset = 0, 0, 0, 0
if u > fdiv(tau, rate) + 1 then
  -- Far ahead (a now that lags the TAT): ahead > tau + rate, denied, kept as (u, frac). The
  -- C++ caps ahead at 2^62 ticks = q * rate + r (long division in base 2^12: rate < 2^41).
  local q1 = fdiv(2 ^ 50, rate)
  local t = (2 ^ 50 - q1 * rate) * 4096
  local q2 = fdiv(t, rate)
  local q, r = q1 * 4096 + q2, t - q2 * rate
  if u > q or (u == q and frac >= r) then u, frac = q, r end
  if cost > burst then retry = -1 else retry = u + cdiv(frac + need - tau, rate) end
  reset = u + (frac > 0 and 1 or 0)
else
  -- u * rate <= tau + rate: exact
  local ahead = u >= 0 and u * rate + frac or 0
  if cost > burst then
    retry = -1
  elseif need <= tau - ahead then
    allowed = 1
    if cost > 0 then
      ahead = ahead + need
      local whole = fdiv(ahead, rate)
      keep(key, struct.pack('<dd', now + whole, ahead - whole * rate), cdiv(ahead, rate))
    end
  else
    retry = cdiv(ahead - tau + need, rate)
  end
  if ahead < tau then remaining = fdiv(tau - ahead, unit) end
  reset = cdiv(ahead, rate)
end
if allowed == 0 and fresh and cost > 0 then
  keep(key, struct.pack('<dd', now, 0), 0)
end
return allowed, remaining, retry, 0, reset
)lua";

// fixed_window.h. p3, p4: limit, window (us). State: (start, count): a window's start and the
// cost admitted in it; absent = now's window, empty.
constexpr std::string_view kLuaFixedWindow = R"lua(
local limit, window = p3, p4
local start = fdiv(now, window) * window
local stStart, stCount = load(key, '<dd', 16)
local fresh = stStart == nil
if fresh then stStart, stCount = start, 0 end
-- A request whose clock lags into an older window is counted in the newest one.
local current = stStart >= start
local count = current and stCount or 0
local windowStart = current and stStart or start
local windowEnd = windowStart + window
local allowed, retry = 0, 0
if cost > limit then
  retry = -1
elseif count + cost <= limit then
  allowed = 1
  if cost > 0 then
    count = count + cost
    keep(key, struct.pack('<dd', windowStart, count), windowEnd - now)
  end
else
  retry = windowEnd - now
end
if allowed == 0 and fresh and cost > 0 then
  keep(key, struct.pack('<dd', start, 0), 0)
end
return allowed, limit - count, retry, 0, count == 0 and 0 or windowEnd - now
)lua";

// sliding_counter.h. p3, p4: limit, window (us). State: (start, prev, curr).
// The C++ compares prev * rest and room * window in 128 bits; here products of a count
// (< 2^30) and a duration (< 2^43) are two parts hi * 2^21 + lo, compared exactly.
constexpr std::string_view kLuaSlidingCounter = R"lua(
local limit, window = p3, p4
local B = 2097152
-- x * y as hi * 2^21 + lo (0 <= lo < 2^21): exact when the smaller is below 2^30 and the
-- larger below 2^43 (limit <= 1e9, window <= 31 days).
local function mul(x, y)
  if x > y then x, y = y, x end
  local yh = math.floor(y / B)
  local lo = x * (y - yh * B)
  local carry = math.floor(lo / B)
  return x * yh + carry, lo - carry * B
end
local function le(ah, al, bh, bl) return ah < bh or (ah == bh and al <= bl) end
-- floor(a * b / c) and whether it is exact, for products of a count (< 2^30) and a duration
-- (< 2^43) on both sides; the double quotient (< 2^43) is at most one off.
local function mulDiv(a, b, c)
  local q = math.floor(a * b / c)
  local ph, pl = mul(a, b)
  local h, l = mul(q, c)
  if not le(h, l, ph, pl) then
    q = q - 1
  else
    h, l = mul(q + 1, c)
    if le(h, l, ph, pl) then q = q + 1 end
  end
  h, l = mul(q, c)
  return q, h == ph and l == pl
end
-- min(floor(a * window / c), window): the callers only need shares below one window.
local function share(a, c)
  if a >= c then return window end
  return (mulDiv(a, window, c))
end
local stStart, stPrev, stCurr = load(key, '<ddd', 24)
local fresh = stStart == nil
if fresh then stStart, stPrev, stCurr = fdiv(now, window) * window, 0, 0 end
-- A caller whose clock lags into an older window is evaluated at the state's window start.
local at = math.max(now, stStart)
local start = fdiv(at, window) * window
local prev, curr = 0, 0
if stStart == start then prev, curr = stPrev, stCurr elseif stStart == start - window then prev = stCurr end
local elapsed = at - start
local rest = window - elapsed
-- Cost units of the previous window still counted, rounded up.
local carried = 0
if prev > 0 then
  local q, exact = mulDiv(prev, rest, window)
  carried = exact and q or q + 1
end
local room = limit - curr - cost
local allowed, retry = 0, 0
local fits = false
if room >= 0 then
  local ph, pl = mul(prev, rest)
  local rh, rl = mul(room, window)
  fits = le(ph, pl, rh, rl)
end
if cost > limit then
  retry = -1
elseif fits then
  allowed = 1
  if cost > 0 then
    curr = curr + cost
    keep(key, struct.pack('<ddd', start, prev, curr), start + 2 * window - now)
  end
else
  -- The earliest time in this window where prev * (window - e) <= room * window.
  local when = -1
  if room >= 0 and prev > 0 then
    local e = window - share(room, prev)
    if e < window then when = start + (e > elapsed and e or elapsed + 1) end
  end
  if when < 0 then
    -- The next window, where prev' = curr and curr' = 0; at worst the one after.
    local e = curr == 0 and 0 or window - share(limit - cost, curr)
    when = start + window + math.max(e, 0)
  end
  retry = when - now
end
if allowed == 0 and fresh and cost > 0 then
  keep(key, struct.pack('<ddd', stStart, 0, 0), 0)
end
local reset = 0
if curr > 0 then reset = start + 2 * window - now elseif prev > 0 then reset = start + window - now end
return allowed, math.max(0, limit - curr - carried), retry, 0, reset
)lua";

// sliding_log.h. p3, p4: limit, window (us). The key: a list (not read by the batch's MGET): the total cost logged,
// then the admissions oldest first as "at:cost" (same-time admissions merged); absent = empty.
// Dropping expired entries is amortised O(1); the retry walk reads at most `cost` entries.
constexpr std::string_view kLuaSlidingLog = R"lua(
local limit, window = p3, p4
local function expireIn(us) redis.call('PEXPIRE', key, int(math.max(1, cdiv(us, 1000)))) end
local function entry(e)
  local i = string.find(e, ':', 1, true)
  return tonumber(string.sub(e, 1, i - 1)), tonumber(string.sub(e, i + 1))
end
-- Calls f(at, cost) on the entries oldest first until it returns true. Chunks start small:
-- most walks stop at the first entry.
local function walk(f)
  local i, n = 1, 2
  while true do
    local chunk = redis.call('LRANGE', key, i, i + n - 1)
    for _, e in ipairs(chunk) do
      if f(entry(e)) then return end
    end
    if #chunk < n then return end
    i, n = i + n, math.min(2 * n, 64)
  end
end
local total = tonumber(redis.call('LINDEX', key, 0)) or 0
local newestAt, newestCost
if total > 0 then newestAt, newestCost = entry(redis.call('LINDEX', key, -1)) end
local at = (newestAt == nil or now > newestAt) and now or newestAt
if total > 0 then
  local dropped = 0
  walk(function(t, c)
    if t > at - window then return true end
    dropped, total = dropped + 1, total - c
  end)
  if total == 0 then
    redis.call('DEL', key)
    newestAt = nil
  elseif dropped > 0 then
    -- The total replaces the last dropped entry, which becomes the list's head.
    redis.call('LSET', key, dropped, int(total))
    redis.call('LTRIM', key, dropped, -1)
  end
end
local allowed, retry = 0, 0
if cost > limit then
  retry = -1
elseif total + cost <= limit then
  allowed = 1
  if cost > 0 then
    if newestAt == nil then
      redis.call('RPUSH', key, int(cost), string.format('%d:%d', at, cost))
    else
      if newestAt == at then
        redis.call('LSET', key, -1, string.format('%d:%d', at, newestCost + cost))
      else
        redis.call('RPUSH', key, string.format('%d:%d', at, cost))
      end
      redis.call('LSET', key, 0, int(total + cost))
    end
    total, newestAt = total + cost, at
    expireIn(newestAt + window - now)
  end
else
  -- From the oldest admission on, until enough cost has left the window.
  local left, leaves = total, 0
  walk(function(t, c)
    left, leaves = left - c, t
    return left + cost <= limit
  end)
  retry = leaves + window - now
end
return allowed, limit - total, retry, 0, newestAt and newestAt + window - now or 0
)lua";

// concurrency_limit.h, a unit per holder. p3, p4, p5: limit, lease (us), holder. The key: a
// sorted set (not read by the batch's MGET), a member per unit in flight ("holder", then
// "holder/2" ... for a cost above 1) scored by the end of its lease; absent = none in flight.
// A decision first drops the units whose lease ended at or before `now`; the key lives as long
// as its latest lease.
constexpr std::string_view kLuaConcurrency = R"lua(
local limit, lease, holder = p3, p4, p5
redis.call('ZREMRANGEBYSCORE', key, '-inf', int(now))
local n = redis.call('ZCARD', key)
if cost > limit - n then return 0, math.max(0, limit - n), -1, 0, 0 end
if cost > 0 then
  local ends = int(now + lease)
  -- In commands of at most 512 units: unpack's arguments live on Lua's C stack.
  for first = 1, cost, 512 do
    local add = {}
    for u = first, math.min(cost, first + 511) do
      add[#add + 1] = ends
      add[#add + 1] = u == 1 and holder or holder .. '/' .. u
    end
    redis.call('ZADD', key, unpack(add))
  end
  -- The key lives as long as its latest lease: an admission with a shorter one (another
  -- gateway's config) does not cut the others'.
  local ms = math.max(1, cdiv(lease, 1000))
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, int(ms)) end
  n = n + cost
end
return 1, math.max(0, limit - n), 0, 0, 0
)lua";

constexpr std::string_view kLuaNoClusterForm = R"lua(
return redis.error_reply('leaky_bucket has no cluster form')
)lua";

}  // namespace

std::string limitScriptSource(std::string_view name) {
  const auto decide = [](std::string_view body, bool stringState = true) {
    std::string text = std::string(kLuaPrelude) + std::string(body) + std::string(kLuaEnd);
    if (stringState) text += kLuaReadStates;
    return text + std::string(kLuaBatch);
  };
  if (name == "token_bucket") return decide(kLuaTokenBucket);
  if (name == "gcra") return decide(kLuaGcra);
  if (name == "fixed_window") return decide(kLuaFixedWindow);
  if (name == "sliding_counter") return decide(kLuaSlidingCounter);
  if (name == "sliding_log") return decide(kLuaSlidingLog, false);
  if (name == "concurrency") return decide(kLuaConcurrency, false);
  if (name == "release" || name == "window_add") return updateScriptSource(name);
  return std::string(kLuaNoClusterForm);
}

}  // namespace gateway::detail
