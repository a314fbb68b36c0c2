#!/usr/bin/env bash
# CTest smoke run of one fuzz target: replays its seed corpus, then fuzzes for a bounded time
# on a copy of the corpus in a temporary folder (the repository is never written). A crash
# leaves its input in ARTIFACT_DIR and fails the test.
# Usage: smoke.sh TARGET_BINARY CORPUS_DIR SECONDS ARTIFACT_DIR [DICT]
set -euo pipefail
if (($# < 4 || $# > 5)); then
  echo "usage: smoke.sh TARGET_BINARY CORPUS_DIR SECONDS ARTIFACT_DIR [DICT]" >&2
  exit 2
fi
binary=$1 corpus=$2 seconds=$3 artifacts=$4 dict=${5:-}
[[ -x $binary ]] || { echo "smoke.sh: no fuzz target at $binary" >&2; exit 2; }
[[ -d $corpus ]] || { echo "smoke.sh: no seed corpus at $corpus" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$corpus/." "$work/"
mkdir -p "$artifacts"
args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
      -artifact_prefix="$artifacts/" "$work")
if [[ -n $dict ]]; then args=(-dict="$dict" "${args[@]}"); fi
echo "smoke.sh: $(basename "$binary") on $(find "$corpus" -type f | wc -l) seed inputs, ${seconds}s"
status=0
"$binary" "${args[@]}" || status=$?
exit "$status"
