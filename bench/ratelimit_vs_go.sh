#!/usr/bin/env bash
# Our hot-key token bucket against Go's golang.org/x/time/rate AllowN, in the same run:
# REPS interleaved repetitions of each, medians, and the ratio (target: ours <= 0.5x Go's).
# Ours goes through the whole LimiterStore path (hash the key string, shard mutex, probe,
# decision); Go's is one Limiter object (its mutex and float arithmetic), time passed in.
#
# Usage: bench/ratelimit_vs_go.sh [BUILD_DIR] [REPS]     defaults: build/rl, 7
# Needs gwbench built in BUILD_DIR (ninja -C BUILD_DIR gwbench, Release), golang-go and
# golang-golang-x-time-dev (built offline in GOPATH mode from /usr/share/gocode).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/rl}
reps=${2:-7}
gwbench=$build/bench/gwbench

[[ -x $gwbench ]] || { echo "ratelimit_vs_go: no $gwbench; build it: ninja -C $build gwbench" >&2; exit 1; }
command -v go >/dev/null || { echo "ratelimit_vs_go: go not found (Debian: golang-go)" >&2; exit 1; }
[[ -d /usr/share/gocode/src/golang.org/x/time/rate ]] ||
  { echo "ratelimit_vs_go: golang.org/x/time/rate missing (Debian: golang-golang-x-time-dev)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off GOCACHE=$work/gocache
(cd "$root/bench/go_rate" && go test -c -o "$work/gorate.test" .)

ours_filter='^BM_StoreHotKey/token_bucket$|^BM_Algorithm/token_bucket$'
go_filter='^BenchmarkAllowN$|^BenchmarkKeyedHotKey$'

for ((i = 1; i <= reps; i++)); do
  # Lines: BM_StoreHotKey/token_bucket   14.9 ns   14.9 ns   47000000 bytes_per_key=43 ...
  "$gwbench" --benchmark_filter="$ours_filter" --benchmark_min_time=0.5 --benchmark_time_unit=ns \
      --benchmark_color=false 2>/dev/null |
    awk '$1 == "BM_StoreHotKey/token_bucket" && $3 == "ns" {print $2 >> "'"$work"'/ours_store"}
         $1 == "BM_Algorithm/token_bucket" && $3 == "ns"   {print $2 >> "'"$work"'/ours_plain"}'
  # Lines: BenchmarkAllowN-2   30905834   37.71 ns/op
  "$work/gorate.test" -test.run '^$' -test.bench "$go_filter" -test.benchtime 1s |
    awk '/^BenchmarkAllowN-/      {print $3 >> "'"$work"'/go_allown"}
         /^BenchmarkKeyedHotKey-/ {print $3 >> "'"$work"'/go_keyed"}'
  echo "repetition $i/$reps done" >&2
done

median() { sort -g "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
runs() { tr '\n' ' ' < "$1"; }

ours=$(median "$work/ours_store")
go=$(median "$work/go_allown")
printf '%-52s %10s   %s\n' "series ($reps interleaved repetitions)" "median ns" "runs"
printf '%-52s %10.2f   %s\n' "ours: LimiterStore::decide, one hot key, token_bucket" "$ours" "$(runs "$work/ours_store")"
printf '%-52s %10.2f   %s\n' "ours: TokenBucket::acquire alone (no key, no lock)" "$(median "$work/ours_plain")" "$(runs "$work/ours_plain")"
printf '%-52s %10.2f   %s\n' "go:   rate.Limiter.AllowN (x/time/rate 0.3.0)" "$go" "$(runs "$work/go_allown")"
printf '%-52s %10.2f   %s\n' "go:   mutex + map[string]*Limiter, one hot key" "$(median "$work/go_keyed")" "$(runs "$work/go_keyed")"
awk -v a="$ours" -v b="$go" 'BEGIN {
  r = a / b
  printf "ratio ours/go (store hot key vs AllowN): %.2fx  (target <= 0.50x: %s)\n", r, (r <= 0.5 ? "met" : "NOT met")
}'
