#!/usr/bin/env bash
# gwload's rate accuracy against a static NGINX (issue 16): NGINX (one worker, a small file
# from disk, loopback) is driven first by wrk at its maximum (`wrk -t1 -c N -d S`, closed
# loop), then by gwload at rising fixed rates (one thread, open loop). For each rate it prints
# the requested rate; the rate gwload dispatched at (its own pace); the achieved rate (requests
# that went on the wire per second: above NGINX's capacity, requests wait for one of the
# --connections and this drops) and its ratio to the requested; the completed rate; the send
# lag p99 (how late gwload dispatched against its schedule); the corrected p99 and gwload's
# CPU seconds per 1000 requests (user + system, from /usr/bin/time). A rate is held when
# achieved >= 99% of requested; the table ends two rates after the first one that is not, and
# says where that happened next to wrk's maximum measured in the same run, and whether gwload
# itself (dispatch) or the target fell short. Figures are medians over --rounds runs.
#
# Usage: bench/gwload_rate.sh [--gwload PATH] [--rates "1000 2000 ..."] [--duration S]
#                             [--rounds N] [--connections N] [--wrk-connections N] [--no-pin]
# By default NGINX is pinned to CPU 1 and the load generator (wrk, then gwload) to CPU 0.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GWLOAD=""
RATES="1000 2000 5000 10000 15000 20000 25000 30000 40000 50000 60000 80000 100000"
DURATION=5
ROUNDS=3
CONNECTIONS=64
WRK_CONNECTIONS=64
PIN=1

while (($#)); do
  case "$1" in
    --gwload) GWLOAD="$2"; shift 2 ;;
    --rates) RATES="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --wrk-connections) WRK_CONNECTIONS="$2"; shift 2 ;;
    --no-pin) PIN=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "gwload_rate: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -z "$GWLOAD" ]]; then
  for candidate in "$ROOT/build/release/tools/gwload/gwload"; do
    if [[ -x "$candidate" ]]; then GWLOAD="$candidate"; break; fi
  done
fi
[[ -n "$GWLOAD" && -x "$GWLOAD" ]] || { echo "gwload_rate: no gwload binary (build the gwload target or pass --gwload)" >&2; exit 2; }
NGINX="$(command -v nginx || true)"
[[ -z "$NGINX" && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx
for tool in "$NGINX" wrk python3 /usr/bin/time; do
  [[ -n "$tool" ]] && command -v "$tool" >/dev/null || { echo "gwload_rate: needs nginx, wrk, python3 and /usr/bin/time (tools/bootstrap.sh)" >&2; exit 2; }
done

GEN_PIN=()
SRV_PIN=()
if ((PIN)) && command -v taskset >/dev/null && (($(nproc) >= 2)); then
  GEN_PIN=(taskset -c 0)
  SRV_PIN=(taskset -c 1)
fi

WORK="$(mktemp -d)"
NGINX_PID=""
cleanup() {
  if [[ -n "$NGINX_PID" ]]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$WORK/www" "$WORK/logs"
head -c 256 /dev/zero | tr '\0' 'x' > "$WORK/www/small.txt"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path $WORK/tmp_body;
  proxy_temp_path $WORK/tmp_proxy;
  fastcgi_temp_path $WORK/tmp_fastcgi;
  uwsgi_temp_path $WORK/tmp_uwsgi;
  scgi_temp_path $WORK/tmp_scgi;
  server {
    listen 127.0.0.1:$PORT;
    root $WORK/www;
    location / { }
  }
}
CONF
"${SRV_PIN[@]}" "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" &
NGINX_PID=$!
URL="http://127.0.0.1:$PORT/small.txt"
for _ in $(seq 100); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('$URL', timeout=0.2)" 2>/dev/null; then break; fi
  kill -0 "$NGINX_PID" 2>/dev/null || { echo "gwload_rate: nginx did not start:" >&2; cat "$WORK/logs/error.log" >&2; exit 3; }
  python3 -c 'import time; time.sleep(0.05)'
done

median() { python3 -c 'import sys, statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

echo "NGINX 1 worker on 127.0.0.1:$PORT, a 256-byte file; $ROUNDS round(s) of ${DURATION}s; $(nproc) CPUs; pinned: $((PIN))"
WRK_RATES=()
for _ in $(seq "$ROUNDS"); do
  rps="$("${GEN_PIN[@]}" wrk -t1 -c "$WRK_CONNECTIONS" -d "${DURATION}s" "$URL" | awk '/^Requests\/sec:/ {print $2}')"
  WRK_RATES+=("$rps")
done
WRK_MAX="$(median "${WRK_RATES[@]}")"
printf 'wrk -t1 -c %s -d %ss maximum: %.0f requests/s (median of %s: %s)\n\n' "$WRK_CONNECTIONS" "$DURATION" "$WRK_MAX" "$ROUNDS" "${WRK_RATES[*]}"

printf '%10s %10s %10s %7s %10s %14s %12s %15s\n' requested dispatched achieved ratio completed "send lag p99" "p99 ms" "CPU s/1k req"
SATURATED=""
GWLOAD_SHORT=""
AFTER=0
for rate in $RATES; do
  dispatched=(); achieved=(); completed=(); lag=(); p99=(); cpu=()
  for _ in $(seq "$ROUNDS"); do
    "${GEN_PIN[@]}" /usr/bin/time -f '%U %S' -o "$WORK/time.txt" "$GWLOAD" rate "$URL" --rate "$rate" --duration "$DURATION" \
      --connections-max "$CONNECTIONS" --format json --quiet > "$WORK/out.json" 2> "$WORK/err.txt" || true
    read -r d a c l p n < <(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["dispatch_rate"], j["achieved_rate"], j["throughput"], j["send_lag_ms"]["p99"], j["latency_ms"]["corrected"]["p99"], j["requests"]["measured"])' "$WORK/out.json")
    read -r u s < "$WORK/time.txt"
    dispatched+=("$d"); achieved+=("$a"); completed+=("$c"); lag+=("$l"); p99+=("$p")
    cpu+=("$(python3 -c "print(($u + $s) / max($n, 1) * 1000)")")
  done
  D="$(median "${dispatched[@]}")"
  A="$(median "${achieved[@]}")"
  ratio="$(python3 -c "print($A / $rate)")"
  printf '%10s %10.0f %10.0f %7.3f %10.0f %11.3f ms %12.3f %15.4f\n' "$rate" "$D" "$A" "$ratio" "$(median "${completed[@]}")" \
    "$(median "${lag[@]}")" "$(median "${p99[@]}")" "$(median "${cpu[@]}")"
  if [[ -z "$GWLOAD_SHORT" ]] && python3 -c "import sys; sys.exit(0 if $D / $rate < 0.99 else 1)"; then GWLOAD_SHORT="$rate"; fi
  if [[ -z "$SATURATED" ]] && python3 -c "import sys; sys.exit(0 if $ratio < 0.99 else 1)"; then SATURATED="$rate"; fi
  if [[ -n "$SATURATED" ]]; then AFTER=$((AFTER + 1)); ((AFTER > 2)) && break; fi
done
echo
if [[ -n "$SATURATED" ]]; then
  printf 'first rate not achieved within 1%%: %s/s; wrk -t1 maximum %.0f/s\n' "$SATURATED" "$WRK_MAX"
else
  printf 'every rate asked for was achieved within 1%%; wrk -t1 maximum %.0f/s\n' "$WRK_MAX"
fi
if [[ -n "$GWLOAD_SHORT" ]]; then
  printf 'gwload itself (1 thread) first dispatched below 99%% of the rate at %s/s\n' "$GWLOAD_SHORT"
else
  printf 'gwload itself (1 thread) dispatched every rate within 1%% (the shortfall, if any, was the target)\n'
fi
