-- wrk script for bench/soak.sh: a mixed load over gatewayd's soak routes.
--
--   wrk ... -s bench/soak/soak.lua URL -- MODE DELAY_MS CLOSE_PERCENT
--
-- MODE "clean": the routes no fault is ever injected on (users, products, orders with and
-- without an API key, echo, reviews, limited). MODE "faulted": inventory and
-- recommendations, with a few requests carrying their own x-fault-* headers. MODE "burst":
-- the rate-limited route alone, for the short bursts that draw 429s.
-- DELAY_MS: pause between a response and the connection's next request (keeps the offered
-- load moderate: wrk is closed-loop). CLOSE_PERCENT: share of requests sent with
-- "Connection: close" (wrk reconnects after those). Requests are drawn from a pool built
-- once in init(), so per-request work stays small.

local pool = {}
local pause = 0

local function rnd(n) return math.random(1, n) end

-- {weight, builder} per kind of request; a builder returns method, path, headers, body.
local key = "soak-key-0001"
local clean = {
  {25, function() return "GET", "/api/users/" .. rnd(1000), {} end},
  {20, function() return "GET", "/api/products/" .. rnd(500), {} end},
  {10, function() return "GET", "/api/orders?userId=" .. rnd(1000), {["X-API-Key"] = key} end},
  {5, function()
    return "POST", "/api/orders", {["X-API-Key"] = key, ["Content-Type"] = "application/json"},
      '{"items": [' .. rnd(500) .. ', ' .. rnd(500) .. '], "note": "' .. string.rep("x", rnd(200)) .. '"}'
  end},
  {10, function()
    return "POST", "/api/echo/soak/" .. rnd(100), {["Content-Type"] = "text/plain"},
      string.rep("soak body ", rnd(60))
  end},
  {5, function() return "GET", "/api/orders?userId=" .. rnd(1000), {} end},                 -- 401: no key
  {3, function() return "GET", "/api/orders/" .. rnd(1000) * 10, {["X-API-Key"] = "wrong"} end},  -- 401
  {10, function() return "GET", "/api/reviews?productId=" .. rnd(500), {} end},
  {5, function() return "GET", "/api/limited/ping?n=" .. rnd(1000), {} end},
  {2, function() return "GET", "/api/no-such-route/" .. rnd(10), {} end},                   -- 404
}
local faulted = {
  {50, function() return "GET", "/api/inventory/" .. rnd(500), {} end},
  {40, function() return "GET", "/api/recommendations?userId=" .. rnd(1000), {} end},
  {1, function() return "GET", "/api/inventory/" .. rnd(500), {["x-fault-abort"] = "500"} end},
  {5, function()
    return "GET", "/api/recommendations?userId=" .. rnd(1000), {["x-fault-delay-ms"] = "1500"}
  end},
}

local burst = {
  {1, function() return "GET", "/api/limited/burst/" .. rnd(1000), {} end},  -- 429 past 100/s
}

local function pick(mix)
  local total = 0
  for _, m in ipairs(mix) do total = total + m[1] end
  local r = math.random() * total
  for _, m in ipairs(mix) do
    r = r - m[1]
    if r <= 0 then return m[2] end
  end
  return mix[#mix][2]
end

function init(args)
  local mode = args[1] or "clean"
  pause = tonumber(args[2] or "0") or 0
  local close = tonumber(args[3] or "0") or 0
  local mix = clean
  if mode == "faulted" then mix = faulted end
  if mode == "burst" then mix = burst end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  for i = 1, 1024 do
    local method, path, headers, body = pick(mix)()
    if math.random(100) <= close then headers["Connection"] = "close" end
    pool[i] = wrk.format(method, path, headers, body)
  end
end

function delay()
  return pause
end

function request()
  return pool[math.random(#pool)]
end

-- One machine-readable line for the soak script (done() runs in its own environment).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'SOAK_WRK {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
