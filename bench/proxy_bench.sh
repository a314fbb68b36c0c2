#!/usr/bin/env bash
# Proxy benchmark: gatewayd (1 worker thread), NGINX (1 worker, keep-alive upstream) and
# HAProxy (nbthread 1) in front of the same upstream, driven by the same wrk load, rounds
# interleaved so drift hits every proxy alike. Prints requests/s, p50 and p99 per proxy (the
# median over rounds) and the ratios against NGINX measured in the same run.
#
# The upstream is NGINX answering a fixed JSON body from memory (bench/proxy/upstream-nginx.conf):
# far cheaper per request than any proxy in front of it, so it is not the bottleneck.
# "gatewayd+policies" is gatewayd with a (never-denying) rate limit, metrics and the JSON
# access log on, the issue's second target (>= 0.9x plain NGINX).
#
# Usage: bench/proxy_bench.sh [--gatewayd PATH] [--rounds N] [--duration S] [--connections C]
#                             [--threads T] [--no-pin] [--before PATH] [--cache] [--watched]
# --cache measures the cache-hit path instead: gatewayd with a response cache on the route
# against NGINX with proxy_cache (bench/proxy/nginx-cache.conf), both serving hits of one key,
# beside the two uncached; the ratios are gatewayd+cache against nginx+cache.
# --before PATH adds another gatewayd build (plain config) as "gatewayd-before", interleaved in
# the same rounds, so a change is measured against the build it started from in one run.
# --watched adds "gatewayd+watched": the plain config with a dashboard's load on its admin API
# (GET /requests/recent every 200 ms, as gwdash --attach reads it), so every request is
# recorded; "gatewayd" beside it is the same build with nobody watching (not with --cache).
# By default the proxy under test is pinned to CPU 0 and wrk + upstream to the other CPUs
# (taskset), so each proxy gets exactly one core. Everything listens on 127.0.0.1, lives in a
# temporary directory and is killed on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONF="$ROOT/bench/proxy"
GATEWAYD=""
BEFORE=""
ROUNDS=3
DURATION=5
CONNECTIONS=50
WRK_THREADS=1
PIN=1
CACHE=0
WATCHED=0

while (($#)); do
  case "$1" in
    --gatewayd) GATEWAYD="$2"; shift 2 ;;
    --before) BEFORE="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --threads) WRK_THREADS="$2"; shift 2 ;;
    --no-pin) PIN=0; shift ;;
    --cache) CACHE=1; shift ;;
    --watched) WATCHED=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "proxy_bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -z "$GATEWAYD" ]]; then
  for candidate in "$ROOT/build/release/tools/gatewayd" "$ROOT/build/net/tools/gatewayd"; do
    if [[ -x "$candidate" ]]; then GATEWAYD="$candidate"; break; fi
  done
fi
for tool in nginx haproxy wrk python3; do
  command -v "$tool" >/dev/null || { echo "proxy_bench: $tool is not installed (tools/bootstrap.sh)" >&2; exit 2; }
done
[[ -x "$GATEWAYD" ]] || { echo "proxy_bench: no gatewayd binary; build a Release gatewayd or pass --gatewayd" >&2; exit 2; }

CPUS=$(nproc)
if ((PIN)) && command -v taskset >/dev/null && ((CPUS >= 2)); then
  PROXY_CPU=(taskset -c 0)
  LOAD_CPU=(taskset -c "1-$((CPUS - 1))")
else
  PIN=0
  PROXY_CPU=()
  LOAD_CPU=()
fi

DIR="$(mktemp -d -t proxy-bench-XXXXXX)"
# Started as root, NGINX runs its workers as another user: they must reach nginx-cache/ here.
chmod 755 "$DIR"
PIDS=()
cleanup() {
  local pid deadline=$((SECONDS + 5))
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
UPSTREAM_PORT=$(free_port)
NGINX_PORT=$(free_port)
HAPROXY_PORT=$(free_port)
NGINX_CACHE_PORT=$(free_port)

render() {  # template -> file with the ports and the directory filled in
  sed -e "s|@DIR@|$DIR|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" -e "s|@NGINX_PORT@|$NGINX_PORT|g" \
      -e "s|@HAPROXY_PORT@|$HAPROXY_PORT|g" -e "s|@NGINX_CACHE_PORT@|$NGINX_CACHE_PORT|g" "$1" > "$2"
}

# Polls a port until it answers, for at most 5 s.
wait_http() {
  local url="$1" deadline=$((SECONDS + 5))
  until curl -s -o /dev/null "$url"; do
    ((SECONDS < deadline)) || { echo "proxy_bench: $url did not come up" >&2; exit 1; }
  done
}

render "$CONF/upstream-nginx.conf" "$DIR/upstream.conf"
render "$CONF/nginx-proxy.conf" "$DIR/nginx.conf"
render "$CONF/haproxy.cfg" "$DIR/haproxy.cfg"
render "$CONF/gateway-plain.json" "$DIR/gateway-plain.json"
render "$CONF/gateway-policies.json" "$DIR/gateway-policies.json"
render "$CONF/gateway-jwt.json" "$DIR/gateway-jwt.json"
render "$CONF/nginx-cache.conf" "$DIR/nginx-cache.conf"
render "$CONF/gateway-cache.json" "$DIR/gateway-cache.json"
# An HS256 token (tests/fixtures/jwt/tokens/sim_buyer.jwt, valid until 2100) for the JWT route;
# gatewayd verifies it once and then serves it from its verified-token cache, as Envoy does.
JWT_TOKEN=$(cat "$ROOT/tests/fixtures/jwt/tokens/sim_buyer.jwt")

"${LOAD_CPU[@]}" nginx -p "$DIR" -c "$DIR/upstream.conf" & PIDS+=($!)
"${PROXY_CPU[@]}" nginx -p "$DIR" -c "$DIR/nginx.conf" & PIDS+=($!); NGINX_MASTER=$!
"${PROXY_CPU[@]}" haproxy -q -f "$DIR/haproxy.cfg" & PIDS+=($!); HAPROXY_PID=$!

# Starts gatewayd in this shell (so cleanup knows its pid); sets GW_ADDR to its listen address.
start_gatewayd() {  # name config [extra args...]
  local name="$1" config="$2"; shift 2
  local binary="$GATEWAYD"
  [[ "$name" == before ]] && binary="$BEFORE"
  "${PROXY_CPU[@]}" "$binary" --config "$config" --threads 1 --listen 127.0.0.1:0 --admin 127.0.0.1:0 "$@" \
    > "$DIR/$name.out" 2> "$DIR/$name.err" &
  PIDS+=($!)
  local deadline=$((SECONDS + 5))
  until [[ -s "$DIR/$name.out" ]]; do
    ((SECONDS < deadline)) || { echo "proxy_bench: gatewayd ($name) did not start:" >&2; cat "$DIR/$name.err" >&2; exit 1; }
    sleep 0.05
  done
  GW_ADDR=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["listen"])' "$DIR/$name.out")
}
start_gatewayd plain "$DIR/gateway-plain.json"
GW_PLAIN=$GW_ADDR
start_gatewayd policies "$DIR/gateway-policies.json" --access-log "$DIR/access.log"
GW_POLICIES=$GW_ADDR
start_gatewayd jwt "$DIR/gateway-jwt.json"
GW_JWT=$GW_ADDR
if ((CACHE)); then
  "${PROXY_CPU[@]}" nginx -p "$DIR" -c "$DIR/nginx-cache.conf" & PIDS+=($!); NGINX_CACHE_MASTER=$!
  start_gatewayd cache "$DIR/gateway-cache.json"
  GW_CACHE=$GW_ADDR
fi
if [[ -n "$BEFORE" ]]; then
  [[ -x "$BEFORE" ]] || { echo "proxy_bench: --before $BEFORE is not an executable" >&2; exit 2; }
  start_gatewayd before "$DIR/gateway-plain.json"
  GW_BEFORE=$GW_ADDR
fi
if ((WATCHED)); then
  start_gatewayd watched "$DIR/gateway-plain.json"
  GW_WATCHED=$GW_ADDR
  WATCHED_ADMIN=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["admin"])' "$DIR/watched.out")
  # The dashboard's reads, on the load CPUs; gatewayd's admin thread answers on the proxy's.
  (
    after=0
    while :; do
      last=$(curl -s "http://$WATCHED_ADMIN/requests/recent?after=$after" | grep -o '"last_id": [0-9]*' | grep -o '[0-9]*$')
      after=${last:-$after}
      sleep 0.2
    done
  ) & PIDS+=($!)
fi
pid_of_gatewayd() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["pid"])' "$DIR/$1.out"; }
# CPU time (user + system clock ticks) of a list of processes, threads included.
cpu_ticks() {
  local total=0 pid
  for pid in $1; do
    [[ -r "/proc/$pid/stat" ]] || continue  # gone: NGINX's cache loader exits after its first minute
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
TICK=$(getconf CLK_TCK)

declare -A TARGET=(
  [nginx]="127.0.0.1:$NGINX_PORT"
  [haproxy]="127.0.0.1:$HAPROXY_PORT"
  [gatewayd]="$GW_PLAIN"
  [gatewayd+policies]="$GW_POLICIES"
  [gatewayd+jwt]="$GW_JWT"
)
ORDER=(nginx gatewayd haproxy gatewayd+policies gatewayd+jwt)
if [[ -n "$BEFORE" ]]; then
  TARGET[gatewayd-before]="$GW_BEFORE"
  ORDER=(nginx gatewayd gatewayd-before haproxy gatewayd+policies gatewayd+jwt)
fi
# Extra request headers per proxy (only the JWT route needs one).
declare -A HEADER=([gatewayd+jwt]="Authorization: Bearer $JWT_TOKEN")

declare -A CPU_PIDS=(
  [nginx]="$(pgrep -P "$NGINX_MASTER" | tr '\n' ' ')"
  [haproxy]="$HAPROXY_PID"
  [gatewayd]="$(pid_of_gatewayd plain)"
  [gatewayd+policies]="$(pid_of_gatewayd policies)"
  [gatewayd+jwt]="$(pid_of_gatewayd jwt)"
)
[[ -n "$BEFORE" ]] && CPU_PIDS[gatewayd-before]="$(pid_of_gatewayd before)"
if ((WATCHED)); then
  TARGET[gatewayd+watched]="$GW_WATCHED"
  CPU_PIDS[gatewayd+watched]="$(pid_of_gatewayd watched)"
  ORDER=("${ORDER[@]:0:2}" gatewayd+watched "${ORDER[@]:2}")
fi
if ((CACHE)); then
  TARGET[nginx+cache]="127.0.0.1:$NGINX_CACHE_PORT"
  TARGET[gatewayd+cache]="$GW_CACHE"
  ORDER=(nginx nginx+cache gatewayd gatewayd+cache)
  wait_http "http://${TARGET[nginx+cache]}/"
  CPU_PIDS[nginx+cache]="$(pgrep -P "$NGINX_CACHE_MASTER" | tr '\n' ' ')"
  CPU_PIDS[gatewayd+cache]="$(pid_of_gatewayd cache)"
fi

wait_http "http://127.0.0.1:$UPSTREAM_PORT/"
for p in "${ORDER[@]}"; do
  wait_http "http://${TARGET[$p]}/"
  body=$(curl -s -H "${HEADER[$p]:-X-Bench: 1}" "http://${TARGET[$p]}/bench")
  [[ "$body" == *'"proxy benchmark body"'* ]] || { echo "proxy_bench: $p answered: $body" >&2; exit 1; }
  if [[ "$p" == *+cache ]]; then  # the second answer must be a hit, or this measures the wrong path
    status=$(curl -s -o /dev/null -D - "http://${TARGET[$p]}/bench" | awk 'tolower($1) == "x-cache:" {print $2}' | tr -d '\r')
    [[ "$status" == HIT ]] || { echo "proxy_bench: $p answered X-Cache: '$status' to a repeated request" >&2; exit 1; }
  fi
done

# wrk prints latencies as 812.00us / 1.23ms / 1.01s: normalise to ms.
to_ms() {
  python3 -c '
import re,sys
v=sys.argv[1]; m=re.match(r"([0-9.]+)(us|ms|s)$", v)
print("nan" if not m else float(m.group(1))*{"us":0.001,"ms":1,"s":1000}[m.group(2)])' "$1"
}

RESULTS="$DIR/results.tsv"
: > "$RESULTS"
echo "proxy_bench: wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds, pinned=$PIN, gatewayd=$GATEWAYD" >&2
for ((round = 1; round <= ROUNDS; round++)); do
  for p in "${ORDER[@]}"; do
    url="http://${TARGET[$p]}/bench"
    hdr=(-H "${HEADER[$p]:-X-Bench: 1}")
    "${LOAD_CPU[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d1s "${hdr[@]}" "$url" > /dev/null  # warm-up
    before=$(cpu_ticks "${CPU_PIDS[$p]}")
    out=$("${LOAD_CPU[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${hdr[@]}" "$url")
    after=$(cpu_ticks "${CPU_PIDS[$p]}")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<< "$out")
    total=$(awk '/requests in/ {print $1}' <<< "$out")
    cpu_us=$(python3 -c "print(($after - $before) / $TICK * 1e6 / max(1, $total))")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<< "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<< "$out")")
    errors=$(awk '/Non-2xx|Socket errors/ {print}' <<< "$out" | tr '\n' ' ')
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$p" "$rps" "$p50" "$p99" "$cpu_us" >> "$RESULTS"
    printf 'round %d %-18s %10.0f req/s  p50 %6.3f ms  p99 %6.3f ms  %5.2f us CPU/req %s\n' \
      "$round" "$p" "$rps" "$p50" "$p99" "$cpu_us" "$errors" >&2
  done
done

python3 - "$RESULTS" "$CACHE" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
by = {}
for _, p, *values in rows:
    by.setdefault(p, []).append(tuple(float(v) for v in values))
med = {p: tuple(statistics.median(v[i] for v in vals) for i in range(4)) for p, vals in by.items()}
n = med["nginx"]
print()
print(f"{'proxy':<20}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'CPU us/req':>12}"
      f"{'req/s vs nginx':>16}{'p99 vs nginx':>14}{'CPU/req vs nginx':>18}")
for p in ["nginx", "nginx+cache", "haproxy", "gatewayd", "gatewayd-before", "gatewayd+watched", "gatewayd+cache",
          "gatewayd+policies", "gatewayd+jwt"]:
    if p not in med:
        continue
    r, a, b, c = med[p]
    print(f"{p:<20}{r:>10.0f}{a:>9.3f}{b:>9.3f}{c:>12.2f}{r / n[0]:>15.2f}x{b / n[2]:>13.2f}x{c / n[3]:>17.2f}x")
print()
if sys.argv[2] == "1":
    g, nc, gc = med["gatewayd"], med["nginx+cache"], med["gatewayd+cache"]
    print(f"gatewayd+cache/nginx+cache: {gc[0] / nc[0]:.2f}x requests/s (target >= 1.0), p99 {gc[2] / nc[2]:.2f}x, "
          f"CPU per request {gc[3] / nc[3]:.2f}x (target <= 1.0; {gc[3]:.2f} vs {nc[3]:.2f} us)")
    print(f"gatewayd+cache/gatewayd: CPU per request {gc[3] / g[3]:.2f}x (a hit against a proxied request)")
    print("(medians over rounds; CPU us/req = user+system time of the proxy's processes per request served)")
    sys.exit(0)
g, gp = med["gatewayd"], med["gatewayd+policies"]
print(f"gatewayd/nginx: {g[0] / n[0]:.2f}x requests/s (target >= 1.0), p99 {g[2] / n[2]:.2f}x (target <= 1.0), "
      f"CPU per request {g[3] / n[3]:.2f}x")
print(f"gatewayd+policies/nginx: {gp[0] / n[0]:.2f}x requests/s (target >= 0.9), CPU per request {gp[3] / n[3]:.2f}x")
gj = med["gatewayd+jwt"]
print(f"gatewayd+jwt/nginx: {gj[0] / n[0]:.2f}x requests/s (target >= 0.85), CPU per request {gj[3] / n[3]:.2f}x")
if "gatewayd-before" in med:
    gb = med["gatewayd-before"]
    print(f"gatewayd/gatewayd-before: {g[0] / gb[0]:.2f}x requests/s, p99 {g[2] / gb[2]:.2f}x, "
          f"CPU per request {g[3] / gb[3]:.2f}x ({g[3]:.2f} vs {gb[3]:.2f} us)")
if "gatewayd+watched" in med:
    gw = med["gatewayd+watched"]
    print(f"gatewayd+watched/gatewayd: {gw[0] / g[0]:.2f}x requests/s, p99 {gw[2] / g[2]:.2f}x, "
          f"CPU per request {gw[3] / g[3]:.2f}x ({gw[3]:.2f} vs {g[3]:.2f} us)")
print("(medians over rounds; CPU us/req = user+system time of the proxy's processes per request served)")
EOF
