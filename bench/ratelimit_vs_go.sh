#!/usr/bin/env bash
# Our hot-key token bucket against Go's golang.org/x/time/rate, like for like and in the same
# run: one C++ thread against Go at -cpu 1 (GOMAXPROCS=1), two C++ threads against Go's
# RunParallel at -cpu 2. ROUNDS interleaved rounds (ours first in odd rounds, Go first in
# even ones); per series the median, the spread (min-max) and the ratio ours/go of the
# medians, in wall time per decision and in CPU time per decision.
#
# The hot key: every call decides for the same key string ("consumer-00042") in one store
# (ours: LimiterStore::decide, which hashes the key, takes the shard lock, probes the table
# and runs the bucket; Go: one *rate.Limiter, or a mutex-guarded map[string]*rate.Limiter
# for the keyed series), 1e6 requests/s, burst 1000, the time passed in and advanced by 1 us
# per call (no clock read in the loop). With two threads, both use the same key.
# Target: the one-thread store decision at most 0.5x Go's AllowN.
#
# Usage: bench/ratelimit_vs_go.sh [BUILD_DIR] [ROUNDS]     defaults: build/release, 5
# Needs gwbench built in BUILD_DIR (cmake --build --preset release --target gwbench), golang-go
# and golang-golang-x-time-dev (built offline, GOPATH mode, from /usr/share/gocode).
# Exit codes: 0 measured (target met or not, as printed), 2 bad usage or missing tools,
# 3 a benchmark run failed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
rounds=${2:-5}
gwbench=$build/bench/gwbench

die() { echo "ratelimit_vs_go: $*" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$rounds'"
[[ -x $gwbench ]] || die "no $gwbench; build it: cmake --build --preset release --target gwbench"
command -v go >/dev/null || die "go not found (Debian: golang-go)"
[[ -d /usr/share/gocode/src/golang.org/x/time/rate ]] ||
  die "golang.org/x/time/rate missing (Debian: golang-golang-x-time-dev)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off GOCACHE=$work/gocache
(cd "$root/bench/go_rate" && go test -c -o "$work/gorate.test" .) || die "building bench/go_rate failed"

fail() { echo "ratelimit_vs_go: $*" >&2; exit 3; }

# Each series file gets one "wall cpu" line per round.
ours() {
  # CSV: name,iterations,real_time,cpu_time,time_unit,... (two runs: the CSV reporter needs
  # the same counters on every line, and only the store cases have them)
  local csv=(--benchmark_min_time=0.5 --benchmark_time_unit=ns --benchmark_format=csv)
  "$gwbench" --benchmark_filter='^BM_StoreHotKey/token_bucket(/real_time/threads:2)?$' "${csv[@]}" \
      > "$work/out" 2>/dev/null || fail "gwbench failed (store cases)"
  "$gwbench" --benchmark_filter='^BM_Algorithm/token_bucket$' "${csv[@]}" >> "$work/out" 2>/dev/null ||
    fail "gwbench failed (BM_Algorithm/token_bucket)"
  awk -F, -v w="$work" '{ gsub(/"/, "", $1) }
      $1 == "BM_StoreHotKey/token_bucket"                      { print $3, $4 >> (w "/ours1") }
      $1 == "BM_StoreHotKey/token_bucket/real_time/threads:2"  { print $3, $4 >> (w "/ours2") }
      $1 == "BM_Algorithm/token_bucket"                        { print $3, $4 >> (w "/bare") }' "$work/out"
}
go_side() {
  # Lines: BenchmarkAllowN   30905834   26.80 ns/op   26.75 cpu-ns/op   (-2 suffix at -cpu 2)
  "$work/gorate.test" -test.run '^$' -test.bench '^Benchmark(AllowN|KeyedHotKey)$' -test.cpu 1 \
      -test.benchtime 1s > "$work/out" || fail "the Go benchmark failed (-cpu 1)"
  "$work/gorate.test" -test.run '^$' -test.bench '^Benchmark(AllowN|KeyedHotKey)Parallel$' -test.cpu 2 \
      -test.benchtime 1s >> "$work/out" || fail "the Go benchmark failed (-cpu 2)"
  awk -v w="$work" '{ sub(/-[0-9]+$/, "", $1) }
      $4 == "ns/op" && $6 == "cpu-ns/op" { print $3, $5 >> (w "/" $1) }' "$work/out"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((i = 1; i <= rounds; i++)); do
  if ((i % 2)); then ours; go_side; else go_side; ours; fi
  echo "round $i/$rounds done" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

for f in ours1 ours2 bare BenchmarkAllowN BenchmarkKeyedHotKey BenchmarkAllowNParallel BenchmarkKeyedHotKeyParallel; do
  [[ -f $work/$f && $(wc -l < "$work/$f") -eq $rounds ]] || fail "series $f incomplete"
done

# summary: one number per line on stdin -> "median min max"
summary() { sort -g | awk '{v[NR] = $1}
  END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR]}'; }
column() { cut -d' ' -f"$2" "$work/$1"; }  # column SERIES 1|2 (1 wall, 2 CPU)
row() {  # row LABEL OURS GO COLUMN
  local om olo ohi gm glo ghi rlo rhi
  read -r om olo ohi < <(column "$2" "$4" | summary)
  read -r gm glo ghi < <(column "$3" "$4" | summary)
  # Each round ran both sides back to back: the spread of the per-round ratios.
  read -r _ rlo rhi < <(paste -d' ' <(column "$2" "$4") <(column "$3" "$4") | awk '{print $1 / $2}' | summary)
  awk -v l="$1" -v om="$om" -v olo="$olo" -v ohi="$ohi" -v gm="$gm" -v glo="$glo" -v ghi="$ghi" \
      -v rlo="$rlo" -v rhi="$rhi" 'BEGIN {
    printf "%-38s %7.2f (%6.2f-%6.2f) %7.2f (%6.2f-%6.2f)  %5.2fx (%4.2f-%4.2f)\n", l, om, olo, ohi, gm, glo, ghi, om / gm, rlo, rhi }'
}
table() {  # table COLUMN TITLE
  printf '\n%s, ns per decision: median (min-max) of %d interleaved rounds\n' "$2" "$rounds"
  printf '%-38s %23s %23s  %s\n' "case" "ours" "go" "ours/go of the medians (per round)"
  row "1 thread:  hot key vs AllowN" ours1 BenchmarkAllowN "$1"
  row "1 thread:  hot key vs keyed map" ours1 BenchmarkKeyedHotKey "$1"
  row "2 threads: hot key vs AllowN" ours2 BenchmarkAllowNParallel "$1"
  row "2 threads: hot key vs keyed map" ours2 BenchmarkKeyedHotKeyParallel "$1"
}

echo "ours: LimiterStore::decide (gwbench BM_StoreHotKey/token_bucket, 1 thread and threads:2)"
echo "go:   rate.Limiter.AllowN (x/time/rate 0.3.0) at -cpu 1, RunParallel at -cpu 2;"
echo "      keyed map: mutex + map[string]*rate.Limiter, then AllowN"
table 1 "Wall time"
table 2 "CPU time (ours: the benchmark threads; Go: the whole process, its runtime threads included)"
read -r bm blo bhi < <(column bare 2 | summary)
printf '\nfloor: TokenBucket::acquire alone (no key, no lock), CPU %.2f ns (%.2f-%.2f)\n' "$bm" "$blo" "$bhi"
printf 'load average: %s before, %s after\n' "$load_before" "$load_after"
read -r ow _ < <(column ours1 1 | summary); read -r gw _ < <(column BenchmarkAllowN 1 | summary)
read -r oc _ < <(column ours1 2 | summary); read -r gc _ < <(column BenchmarkAllowN 2 | summary)
awk -v ow="$ow" -v gw="$gw" -v oc="$oc" -v gc="$gc" 'BEGIN {
  met = (ow / gw <= 0.5 && oc / gc <= 0.5)
  printf "target: 1 thread, hot key <= 0.50x Go AllowN: wall %.2fx, CPU %.2fx: %s\n", ow / gw, oc / gc, met ? "met" : "NOT met"
}'
