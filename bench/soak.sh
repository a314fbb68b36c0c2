#!/usr/bin/env bash
# Soak: gatewayd in front of mock-services under a mixed load for N minutes while faults hit
# the "faulted" routes on a timeline. Samples gatewayd's RSS and open fds, then checks:
#   crashes      every process alive at the end, each exiting 0 on SIGTERM
#   rss          growth after warm-up < 5% (median of the last window / of the first)
#   fds          max - min after warm-up within a bound set by the load's connection count,
#                and back to the count before the first connection once the load stops
#   clean-5xx    no 5xx on a route no fault is injected on (gatewayd's /metrics)
#   clean-errors no timeout or socket error in the clean load (wrk)
#   timeline     every fault posted, the restart made, every POST /reload "reloaded"
# Prints each fault as it is applied, a line per sample and a summary table; writes
# samples.csv, summary.json, the configs and every process's output into the out dir.
#
# Usage: bench/soak.sh [--minutes N] [--warmup-s S] [--sample-s S] [--out DIR]
#                      [--gatewayd PATH] [--mock-services PATH]
# Defaults: 10 minutes, 60 s warm-up, 10 s samples, out dir build/soak/<date-time>.
# Exit: 0 every check passed, 1 a check failed (named), 2 bad flags, 3 runtime failure
# (a tool or binary missing, a process that does not start, a port that cannot be bound).
# SOAK_SELF_CHECK=5xx (an abort on the clean reviews service) or =crash (gatewayd killed)
# break the run on purpose mid-way, to see the checks fail; for checking the script only.

# shellcheck source-path=SCRIPTDIR disable=SC2012,SC2317  # (ls of /proc/PID/fd; cleanup runs from a trap)
set -uo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/bench/soak"
MINUTES=10 WARMUP_S=60 SAMPLE_S=10 OUT="" GATEWAYD="" MOCKS=""

usage_error() {
  echo "soak: $*" >&2
  echo "usage: bench/soak.sh [--minutes N] [--warmup-s S] [--sample-s S] [--out DIR] [--gatewayd PATH] [--mock-services PATH]" >&2
  exit 2
}
int_flag() {  # flag value min max
  [[ "$2" =~ ^[0-9]+$ ]] || usage_error "$1: expected a whole number, got '$2'"
  ((10#$2 >= $3 && 10#$2 <= $4)) || usage_error "$1: $2 is out of range ($3-$4)"
}
while (($#)); do
  case "$1" in
    --minutes|--warmup-s|--sample-s|--out|--gatewayd|--mock-services)
      (($# >= 2)) || usage_error "$1 needs a value"
      case "$1" in
        --minutes) int_flag "$1" "$2" 1 1440; MINUTES=$((10#$2)) ;;
        --warmup-s) int_flag "$1" "$2" 0 86400; WARMUP_S=$((10#$2)) ;;
        --sample-s) int_flag "$1" "$2" 1 3600; SAMPLE_S=$((10#$2)) ;;
        --out) OUT="$2" ;;
        --gatewayd) GATEWAYD="$2" ;;
        --mock-services) MOCKS="$2" ;;
      esac
      shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done
TOTAL_S=$((MINUTES * 60))
((WARMUP_S + 2 * SAMPLE_S <= TOTAL_S)) ||
  usage_error "--warmup-s $WARMUP_S with --sample-s $SAMPLE_S leaves fewer than 2 samples after warm-up in a ${TOTAL_S} s run"
case "${SOAK_SELF_CHECK:-}" in ''|5xx|crash) ;; *) usage_error "SOAK_SELF_CHECK: expected 5xx or crash, got '$SOAK_SELF_CHECK'" ;; esac

fail_runtime() { echo "soak: $*" >&2; exit 3; }
for tool in wrk curl jq; do
  command -v "$tool" >/dev/null || fail_runtime "$tool is not installed (tools/bootstrap.sh installs it)"
done
[[ -n "$GATEWAYD" ]] || GATEWAYD="$ROOT/build/release/tools/gatewayd"
[[ -n "$MOCKS" ]] || MOCKS="$ROOT/build/release/mock-services/mock-services"
[[ -x "$GATEWAYD" ]] || fail_runtime "no gatewayd at $GATEWAYD (build it: cmake --build --preset release --target gatewayd, or pass --gatewayd)"
[[ -x "$MOCKS" ]] || fail_runtime "no mock-services at $MOCKS (build it: cmake --build --preset release --target mock-services, or pass --mock-services)"
[[ -n "$OUT" ]] || OUT="$ROOT/build/soak/$(date +%Y%m%d-%H%M%S)"
{ mkdir -p "$OUT" 2>/dev/null && [[ -w "$OUT" ]]; } || fail_runtime "--out $OUT: cannot create or write the directory"
OUT="$(cd "$OUT" && pwd)"
# A reused out dir: nothing from an earlier run may be read as this one's.
rm -f "$OUT"/{wrk-clean,wrk-faulted,wrk-bursts}.txt "$OUT"/{metrics-end.txt,metrics.tmp,requests-by-code.txt,samples.csv} \
      "$OUT"/{stats-end.json,summary.json,fault-answer.json,gateway.json.next}
# shellcheck source=soak/configs.sh
source "$HERE/configs.sh"
LOG="$OUT/soak.log"
: > "$LOG"

# ---- processes -------------------------------------------------------------------------
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in {1..100}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
}
trap cleanup EXIT
trap 'echo "soak: interrupted" >&2; exit 3' INT TERM

# Alive and not a zombie (a child that died stays visible to kill -0 until waited for).
alive() {
  local s
  [[ -r /proc/$1/stat ]] && read -r s < "/proc/$1/stat" 2>/dev/null || return 1
  s=${s##*) }
  [[ ${s:0:1} != Z ]]
}
# Starts a process that prints one JSON ready line; sets STARTED_PID. Returns 1 (with the
# reason in START_ERROR) when it exits or stays silent for 10 s.
start_ready() {  # name out err command...
  local name="$1" out="$2" err="$3" deadline=$((SECONDS + 10))
  shift 3
  : > "$out"  # here, not in the child: a stale line from an earlier start must not pass for ready
  "$@" >> "$out" 2> "$err" &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  until [[ -s "$out" ]] && jq -e .pid "$out" >/dev/null 2>&1; do  # (jq -e passes an empty file)
    if ! alive "$STARTED_PID"; then
      wait "$STARTED_PID"
      START_ERROR="$name exited with $? before it was ready: $(tr '\n' ' ' < "$err")"
      return 1
    fi
    if ((SECONDS >= deadline)); then START_ERROR="$name printed no ready line in 10 s"; return 1; fi
    sleep 0.05
  done
}

# ---- time and output ---------------------------------------------------------------------
T0_US=0
now_ms() { local t=$EPOCHREALTIME; NOW_MS=$(((10#${t%.*} * 1000000 + 10#${t#*.} - T0_US) / 1000)); }
fmt_s() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
say() {
  now_ms
  local line
  line=$(printf '[%7ss] %s' "$(fmt_s "$NOW_MS")" "$*")
  echo "$line"; echo "$line" >> "$LOG"
}

# ---- start mock-services and gatewayd ---------------------------------------------------
write_clean_mocks "$OUT/mocks-clean.json"
write_faulted_mocks "$OUT/mocks-faulted.json"
start_ready mock-services-clean "$OUT/mocks-clean.out" "$OUT/mocks-clean.err" \
  "$MOCKS" --config "$OUT/mocks-clean.json" || fail_runtime "$START_ERROR"
CLEAN_PID=$STARTED_PID
start_ready mock-services-faulted "$OUT/mocks-faulted.out" "$OUT/mocks-faulted.err" \
  "$MOCKS" --config "$OUT/mocks-faulted.json" || fail_runtime "$START_ERROR"
FAULTED_PID=$STARTED_PID
FAULTED_READY="$OUT/mocks-faulted.ready.json"
cp "$OUT/mocks-faulted.out" "$FAULTED_READY"
write_faulted_mocks "$OUT/mocks-faulted-restart.json" "$FAULTED_READY"
CLEAN_CTL="http://$(jq -r '.services.reviews[0].address' "$OUT/mocks-clean.out")"
FAULT_CTL="http://$(jq -r '.services.inventory[0].address' "$FAULTED_READY")"

# Idle upstream connections close after 5 s (default 30): more churn in the pools, and the
# fds come back to their baseline soon after the load stops.
UPSTREAM_IDLE_MS=5000
write_gateway_config "$OUT/gateway.json" 1 "$OUT/mocks-clean.out" "$FAULTED_READY" ||
  fail_runtime "could not write $OUT/gateway.json from the mock-services ready lines"
start_ready gatewayd "$OUT/gatewayd.out" "$OUT/gatewayd.err" "$GATEWAYD" --config "$OUT/gateway.json" \
  --listen 127.0.0.1:0 --admin 127.0.0.1:0 --threads 2 --access-log /dev/null --seed 1 --upstream-idle-timeout-ms $UPSTREAM_IDLE_MS ||
  fail_runtime "$START_ERROR"
GW_PID=$STARTED_PID
FD_BASE=$(ls "/proc/$GW_PID/fd" | wc -l)  # before any connection
GW="http://$(jq -r .listen "$OUT/gatewayd.out")"
ADMIN="http://$(jq -r .admin "$OUT/gatewayd.out")"

# Every route answers before the load starts (a setup problem is a runtime failure).
for probe in "GET /api/users/1 200" "GET /api/products/1 200" "GET /api/orders?userId=4 200" \
             "POST /api/orders 201" "POST /api/echo/x 200" "GET /api/reviews?productId=3 200" \
             "GET /api/limited/x 200" "GET /api/inventory/5 200" "GET /api/recommendations?userId=4 200" \
             "GET /api/orders?userId=4 401:nokey"; do
  read -r method path want <<< "$probe"
  key=(-H "X-API-Key: soak-key-0001"); [[ "$want" == *:nokey ]] && key=()
  body=(); [[ "$method" == POST ]] && body=(-d '{"soak": 1}')
  got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X "$method" "${key[@]}" "${body[@]}" "$GW$path")
  [[ "$got" == "${want%%:*}" ]] || fail_runtime "setup: $method $path answered $got, expected ${want%%:*}"
done

# ---- samples -----------------------------------------------------------------------------
CSV="$OUT/samples.csv"
echo "t_s,phase,rss_kib,fds,threads,requests" > "$CSV"
LAST_REQUESTS=0 LAST_SAMPLE_MS=0
# Keeps the last scrape: if gatewayd dies, the report still has its counters up to then.
requests_so_far() {
  curl -s --max-time 5 "$ADMIN/metrics" -o "$OUT/metrics.tmp" && mv "$OUT/metrics.tmp" "$OUT/metrics-end.txt" || return 1
  awk '/^gateway_requests_total\{/ {n += $NF} END {printf "%d", n}' "$OUT/metrics-end.txt"
}
# phase: idle (before the load), warmup, steady, end (after the load); only steady counts.
sample() {
  local rss threads fds requests phase="${1:-}" rate
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$GW_PID/status" 2>/dev/null)
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$GW_PID/status" 2>/dev/null)
  fds=$(ls "/proc/$GW_PID/fd" 2>/dev/null | wc -l)
  requests=$(requests_so_far)
  [[ -n "$rss" && -n "$requests" ]] || return 1
  now_ms
  [[ -n "$phase" ]] || { phase=steady; ((NOW_MS < WARMUP_S * 1000)) && phase=warmup; }
  rate=$(((requests - LAST_REQUESTS) * 1000 / (NOW_MS - LAST_SAMPLE_MS > 0 ? NOW_MS - LAST_SAMPLE_MS : 1)))
  echo "$(fmt_s "$NOW_MS"),$phase,$rss,$fds,$threads,$requests" >> "$CSV"
  say "sample: rss $rss KiB, fds $fds, threads $threads, requests $requests ($rate/s), $phase"
  LAST_REQUESTS=$requests LAST_SAMPLE_MS=$NOW_MS
}

# ---- the load ----------------------------------------------------------------------------
CLEAN_CONNS=8 FAULTED_CONNS=4 BURST_CONNS=4
BURST_EVERY_MS=$((TOTAL_S * 1000 / 20 > 10000 ? TOTAL_S * 1000 / 20 : 10000))
T0_US=0; now_ms; T0_US=$((NOW_MS * 1000))
say "load: wrk clean -c$CLEAN_CONNS (4 ms pause, 10% Connection: close), wrk faulted -c$FAULTED_CONNS (10 ms pause)," \
    "429 bursts (wrk -c$BURST_CONNS, 1 ms pause, 2 s) every $((BURST_EVERY_MS / 1000)) s; ${TOTAL_S} s, warm-up ${WARMUP_S} s; out $OUT"
# shellcheck source=soak/timeline.sh
source "$HERE/timeline.sh"  # prints the plan
sample idle || fail_runtime "cannot read gatewayd's /proc/$GW_PID or $ADMIN/metrics"
wrk -t1 -c"$CLEAN_CONNS" -d"${TOTAL_S}s" --timeout 30s -s "$HERE/soak.lua" "$GW" -- clean 4 10 \
  > "$OUT/wrk-clean.txt" 2>&1 &
WRK_CLEAN=$!; PIDS+=("$WRK_CLEAN")
wrk -t1 -c"$FAULTED_CONNS" -d"${TOTAL_S}s" --timeout 10s -s "$HERE/soak.lua" "$GW" -- faulted 10 5 \
  > "$OUT/wrk-faulted.txt" 2>&1 &
WRK_FAULTED=$!; PIDS+=("$WRK_FAULTED")

# ---- the run -----------------------------------------------------------------------------
DEATHS=()
watch_processes() {
  alive "$GW_PID" || { DEATHS+=("gatewayd (pid $GW_PID) died at $(fmt_s "$NOW_MS") s"); return 1; }
  alive "$CLEAN_PID" || { DEATHS+=("mock-services (clean, pid $CLEAN_PID) died at $(fmt_s "$NOW_MS") s"); return 1; }
  ((FAULTED_DOWN)) || alive "$FAULTED_PID" ||
    { DEATHS+=("mock-services (faulted, pid $FAULTED_PID) died at $(fmt_s "$NOW_MS") s"); return 1; }
}
BURST_PIDS=()
next_sample=$((SAMPLE_S * 1000)) next_burst=5000 next_event=0
while now_ms; ((NOW_MS < TOTAL_S * 1000)); do
  watch_processes || { say "stopping early: ${DEATHS[*]}"; break; }
  if ((next_event < ${#EV_MS[@]})) && ((NOW_MS >= EV_MS[next_event])); then
    apply_event "$next_event"; next_event=$((next_event + 1)); continue
  fi
  if ((NOW_MS >= next_sample)); then
    sample || say "sample failed (gatewayd's /proc or /metrics unreadable)"
    next_sample=$((next_sample + SAMPLE_S * 1000)); continue
  fi
  if ((NOW_MS >= next_burst && NOW_MS + 3000 < TOTAL_S * 1000)); then
    wrk -t1 -c"$BURST_CONNS" -d2s --timeout 10s -s "$HERE/soak.lua" "$GW" -- burst 1 0 >> "$OUT/wrk-bursts.txt" 2>&1 &
    BURST_PIDS+=($!); PIDS+=($!)
    next_burst=$((next_burst + BURST_EVERY_MS))
  fi
  sleep 0.2
done
for pid in "$WRK_CLEAN" "$WRK_FAULTED" "${BURST_PIDS[@]}"; do
  ((${#DEATHS[@]})) && kill -INT "$pid" 2>/dev/null  # wrk prints its summary on SIGINT
  wait "$pid" 2>/dev/null
done
((${#DEATHS[@]})) || { watch_processes && sample end; }
curl -s --max-time 5 "$ADMIN/stats" > "$OUT/stats-end.json"
# With the load gone, its client connections close and the pools' idle upstream ones time
# out: the fds must come back to what gatewayd had before its first connection.
FD_SETTLED="" SETTLE_MS=0
if ((${#DEATHS[@]} == 0)); then
  now_ms; settle_from=$NOW_MS
  while FD_SETTLED=$(ls "/proc/$GW_PID/fd" 2>/dev/null | wc -l); ((FD_SETTLED > FD_BASE)); do
    now_ms; ((NOW_MS - settle_from < UPSTREAM_IDLE_MS + 10000)) || break
    sleep 0.5
  done
  now_ms; SETTLE_MS=$((NOW_MS - settle_from))
  say "fds after the load: $FD_SETTLED after $(fmt_s "$SETTLE_MS") s ($FD_BASE before gatewayd's first connection)"
fi

# ---- stop everything and judge ---------------------------------------------------------------
# SIGTERM, then the exit code (waiting up to 20 s: gatewayd drains for up to 10).
stop_process() {  # name pid
  local deadline=$((SECONDS + 20))
  if ! alive "$2"; then STOPPED+=("$1=dead"); return; fi
  kill -TERM "$2"
  while alive "$2" && ((SECONDS < deadline)); do sleep 0.1; done
  if alive "$2"; then kill -KILL "$2"; wait "$2" 2>/dev/null; STOPPED+=("$1=hung"); return; fi
  wait "$2"; STOPPED+=("$1=$?")
}
STOPPED=()
stop_process gatewayd "$GW_PID"
stop_process mock-services-clean "$CLEAN_PID"
stop_process mock-services-faulted "$FAULTED_PID"
# shellcheck source=soak/report.sh
source "$HERE/report.sh"
