#!/usr/bin/env bash
# Cluster-wide limits, measured against a real redis-server on loopback:
#  1. decisions per second of one gateway worker's Redis client (gwbench BM_RedisDecisions):
#     one decision at a time, pipelined with one script call per decision (the anchor: what a
#     client sending each decision as its own EVALSHA gets), and pipelined in batches (gatewayd);
#  2. the latency a Redis decision adds to a request: gatewayd (1 worker) with the same
#     never-denying token bucket per instance and cluster-wide, driven by gwload at a fixed rate
#     (open loop, latency from the intended send time), rounds interleaved; the medians of p50
#     and p99 and their difference.
# redis-server and the upstream (NGINX answering from memory) run on CPU 1, the gateway and
# gwbench on CPU 0, gwload on CPU 1. Everything listens on 127.0.0.1 and is killed on exit.
#
# Usage: bench/cluster_limits.sh [--rounds N] [--rate R] [--duration S] [--build DIR]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build/release"
ROUNDS=3
RATE=2000
DURATION=5
while (($#)); do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --build) BUILD="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "cluster_limits: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
GATEWAYD="$BUILD/tools/gatewayd"
GWLOAD="$BUILD/tools/gwload/gwload"
GWBENCH="$BUILD/bench/gwbench"
for f in "$GATEWAYD" "$GWLOAD" "$GWBENCH"; do
  [[ -x "$f" ]] || { echo "cluster_limits: $f is missing: build the release preset first" >&2; exit 2; }
done
for tool in redis-server redis-cli nginx python3 jq taskset; do
  command -v "$tool" >/dev/null || { echo "cluster_limits: $tool is not installed (tools/bootstrap.sh)" >&2; exit 2; }
done
[[ $(nproc) -ge 2 ]] || { echo "cluster_limits: needs 2 CPUs (the gateway and Redis each get one)" >&2; exit 2; }

DIR="$(mktemp -d -t cluster-limits-XXXXXX)"
chmod 755 "$DIR"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
REDIS_PORT=$(free_port)
UPSTREAM_PORT=$(free_port)
render() { sed -e "s|@DIR@|$DIR|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" -e "s|@REDIS_PORT@|$REDIS_PORT|g" "$1" > "$2"; }
render "$ROOT/bench/proxy/upstream-nginx.conf" "$DIR/upstream.conf"
render "$ROOT/bench/cluster/gateway-instance.json" "$DIR/instance.json"
render "$ROOT/bench/cluster/gateway-cluster.json" "$DIR/cluster.json"

taskset -c 1 redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" > "$DIR/redis.log" & PIDS+=($!)
taskset -c 1 nginx -p "$DIR" -c "$DIR/upstream.conf" & PIDS+=($!)
deadline=$((SECONDS + 5))
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do
  ((SECONDS < deadline)) || { echo "cluster_limits: redis-server did not start" >&2; cat "$DIR/redis.log" >&2; exit 1; }
  sleep 0.05
done
echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on CPU 1, port $REDIS_PORT"

echo "== decisions per second, one gateway worker (CPU 0) =="
GWBENCH_REDIS="127.0.0.1:$REDIS_PORT" taskset -c 0 "$GWBENCH" --benchmark_filter=BM_RedisDecisions \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_format=json > "$DIR/bench.json"
jq -r '.benchmarks[] | select(.aggregate_name == "median") |
  "\(.run_name)  \(.decisions_per_s | floor) decisions/s, client CPU \(.client_cpu_us_per_decision * 1000 | floor / 1000) us/decision"' \
  "$DIR/bench.json"
anchor=$(jq '.benchmarks[] | select(.aggregate_name == "median" and (.run_name | test("in_flight:256/batch:1/"))) | .decisions_per_s' "$DIR/bench.json")
batched=$(jq '.benchmarks[] | select(.aggregate_name == "median" and (.run_name | test("in_flight:256/batch:64/"))) | .decisions_per_s' "$DIR/bench.json")
python3 -c "print(f'batched / one call per decision: {$batched / $anchor:.2f}x')"

echo "== latency a Redis decision adds (gatewayd 1 worker on CPU 0, gwload $RATE/s on CPU 1, ${DURATION}s x $ROUNDS rounds) =="
run_round() {  # name config -> appends "p50 p99" to $DIR/name.lat
  local name="$1" config="$2"
  taskset -c 0 "$GATEWAYD" --config "$config" --threads 1 --listen 127.0.0.1:0 --admin 127.0.0.1:0 \
    > "$DIR/$name.out" 2> "$DIR/$name.err" &
  local pid=$!
  local deadline=$((SECONDS + 5))
  until grep -q '"listen"' "$DIR/$name.out" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "cluster_limits: gatewayd ($name) did not start" >&2; cat "$DIR/$name.err" >&2; exit 1; }
    kill -0 "$pid" 2>/dev/null || { echo "cluster_limits: gatewayd ($name) exited:" >&2; cat "$DIR/$name.err" >&2; exit 1; }
    sleep 0.05
  done
  local addr
  addr=$(head -1 "$DIR/$name.out" | jq -r '.listen')
  taskset -c 1 "$GWLOAD" rate "http://$addr/" -r "$RATE" -d "$DURATION" --warmup 1 -q --format json > "$DIR/$name.load.json" || true
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  jq -r '"\(.latency_ms.corrected.p50) \(.latency_ms.corrected.p99) \(.status | tostring)"' "$DIR/$name.load.json" >> "$DIR/$name.lat"
  # Every answer must be a 200: a 503 would mean the cluster store did not answer (fail_closed).
  jq -e '(.status | keys) == ["200"]' "$DIR/$name.load.json" >/dev/null ||
    { echo "cluster_limits: $name answered other than 200: $(jq -c .status "$DIR/$name.load.json")" >&2; exit 1; }
}
for ((r = 1; r <= ROUNDS; r++)); do
  run_round instance "$DIR/instance.json"
  run_round cluster "$DIR/cluster.json"
done
python3 - "$DIR" <<'PY'
import statistics, sys
d = sys.argv[1]
def med(name, i):
    rows = [l.split() for l in open(f"{d}/{name}.lat")]
    return statistics.median(float(r[i]) for r in rows)
p50i, p99i, p50c, p99c = med("instance", 0), med("instance", 1), med("cluster", 0), med("cluster", 1)
print(f"per instance   p50 {p50i:.3f} ms  p99 {p99i:.3f} ms")
print(f"cluster-wide   p50 {p50c:.3f} ms  p99 {p99c:.3f} ms")
print(f"added by Redis p50 {p50c - p50i:+.3f} ms  p99 {p99c - p99i:+.3f} ms  (medians of the rounds)")
PY
