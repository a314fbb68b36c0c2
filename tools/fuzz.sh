#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz/README.md) for a set time each, one after another,
# on a working corpus outside the repository (build/fuzz/work/<target>/corpus, started from
# the seed corpus tests/fuzz/corpus/<target> and kept between runs). Prints per target the
# executions, exec/s, corpus size, coverage (libFuzzer's cov:) and crashes (0, or the path of
# each input that crashed, leaked, timed out or ran out of memory).
# Needs the fuzz build: cmake --preset fuzz && cmake --build --preset fuzz
# Usage: tools/fuzz.sh [--seconds N] [--jobs 1|2] [target...]
#   --seconds N  time per target (default 600)
#   --jobs N     parallel fuzzing processes per target (libFuzzer -fork; default 1)
# Exit: 0 no crash, 1 a target crashed, 2 bad usage or no fuzz build.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: tools/fuzz.sh [--seconds N] [--jobs N] [target...]" >&2
  echo "targets: $(ls tests/fuzz/corpus | tr '\n' ' ')" >&2
  exit 2
}

seconds=600
jobs=1
targets=()
while (($#)); do
  case $1 in
    --seconds|--jobs)
      [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: $1 needs a positive whole number (got '${2:-}')" >&2; usage; }
      if [[ $1 == --seconds ]]; then seconds=$2; else jobs=$2; fi
      shift 2 ;;
    --seconds=*|--jobs=*)
      value=${1#*=}
      [[ $value =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: ${1%%=*} needs a positive whole number (got '$value')" >&2; usage; }
      if [[ $1 == --seconds=* ]]; then seconds=$value; else jobs=$value; fi
      shift ;;
    -h|--help) usage ;;
    -*) echo "fuzz.sh: unknown option '$1'" >&2; usage ;;
    *)
      [[ -d tests/fuzz/corpus/$1 ]] || { echo "fuzz.sh: unknown target '$1'" >&2; usage; }
      targets+=("$1"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then mapfile -t targets < <(ls tests/fuzz/corpus); fi
if ((jobs > $(nproc))); then echo "fuzz.sh: --jobs $jobs is more than the $(nproc) cores" >&2; usage; fi

bin=build/fuzz/tests/fuzz
for t in "${targets[@]}"; do
  [[ -x $bin/$t ]] || { echo "fuzz.sh: $bin/$t is not built: cmake --preset fuzz && cmake --build --preset fuzz" >&2; exit 2; }
done

crashed=0
summary=()
for t in "${targets[@]}"; do
  work=build/fuzz/work/$t
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -n tests/fuzz/corpus/"$t"/* "$work/corpus/" 2>/dev/null || true
  before=$(ls "$work/artifacts" | wc -l)
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$work/artifacts/")
  [[ -f tests/fuzz/$t.dict ]] && args+=(-dict="tests/fuzz/$t.dict")
  ((jobs > 1)) && args+=(-fork="$jobs")
  echo "== $t: ${seconds}s, $jobs job(s), corpus $(ls "$work/corpus" | wc -l) inputs, log $work/fuzz.log"
  status=0
  "$bin/$t" "${args[@]}" "$work/corpus" >"$work/fuzz.log" 2>&1 || status=$?

  # Figures: the final stats (single process) or the last status line (fork mode).
  log=$work/fuzz.log
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  status_line=$(grep -E '^#[0-9]+' "$log" | grep 'cov: ' | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' <<<"$status_line" | grep -o '[0-9]*' || true)
  if [[ -z $runs ]]; then runs=$(grep -o '^#[0-9]*' <<<"$status_line" | tr -d '#' || true); fi
  if [[ -z $rate ]]; then rate=$(grep -o 'exec/s:\? [0-9]*' <<<"$status_line" | grep -o '[0-9]*$' || true); fi
  corpus=$(ls "$work/corpus" | wc -l)
  new=$(ls -t "$work/artifacts" | head -n $(( $(ls "$work/artifacts" | wc -l) - before )))
  if [[ -n $new ]]; then
    crashes=$(sed "s|^|$work/artifacts/|" <<<"$new" | tr '\n' ' ')
  elif ((status != 0)); then
    crashes="exit status $status (see $log)"
  else
    crashes=0
  fi
  [[ $crashes == 0 ]] || crashed=1
  line="$t: executions ${runs:-?}, exec/s ${rate:-?}, corpus $corpus, cov ${cov:-?}, crashes $crashes"
  echo "$line"
  summary+=("$line")
done

echo "== summary (${seconds}s per target, $jobs job(s))"
printf '%s\n' "${summary[@]}"
exit "$crashed"
