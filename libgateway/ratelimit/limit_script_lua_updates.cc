// The Lua text of the scripts of limit_script.h that update a count without deciding: the
// concurrency release and the sync mode's window counter (the decide scripts are in
// limit_script_lua.cc).
#include <string>
#include <string_view>

#include "libgateway/ratelimit/limit_script.h"

namespace gateway::detail {

namespace {

// ARGV: holder, cost. KEYS[1]: concurrency's. Removes the holder's units (those it does not
// hold are nothing to remove); the expiry stays. Returns the units still in the set.
constexpr std::string_view kLuaRelease = R"lua(
local holder, cost = ARGV[1], math.max(0, tonumber(ARGV[2]))
for first = 1, cost, 512 do
  local members = {}
  for u = first, math.min(cost, first + 511) do members[#members + 1] = u == 1 and holder or holder .. '/' .. u end
  redis.call('ZREM', KEYS[1], unpack(members))
end
return redis.call('ZCARD', KEYS[1])
)lua";

// ARGV: window index, delta, expiry (ms). KEYS[1]: hash {window, count}. A delta <= 0 only
// reads; an older window than the key's answers 0 (its count is no longer kept).
constexpr std::string_view kLuaWindowAdd = R"lua(
local w, add = tonumber(ARGV[1]), tonumber(ARGV[2])
local s = redis.call('HMGET', KEYS[1], 'window', 'count')
local kw, n = tonumber(s[1]), tonumber(s[2]) or 0
if kw ~= nil and w < kw then return {0} end
if kw ~= w then n = 0 end
if add > 0 then
  n = n + add
  redis.call('HSET', KEYS[1], 'window', string.format('%d', w), 'count', string.format('%d', n))
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return {n}
)lua";

}  // namespace

std::string updateScriptSource(std::string_view name) {
  if (name == "release") return std::string(kLuaRelease);
  return std::string(kLuaWindowAdd);
}

}  // namespace gateway::detail
