#!/usr/bin/env bash
# Sets everything up and runs every test: installs missing Debian packages (bootstrap.sh), then
# for each part builds its tree and runs CTest on all cores:
#   release  the optimised tree: the integration and dash suites (the binaries users run)
#   asan     the unit, sim and integration suites under AddressSanitizer + UBSan
#   tsan     the threaded server and store tests under ThreadSanitizer
#   fuzz     every libFuzzer target over its seed corpus for a few seconds (clang)
# Usage: tools/test.sh [PART...] [-- extra ctest arguments]   (no PART: all four, in that order)
# Prints how long each part took. Exit: 0 all passed, 1 a test failed, 2 bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."

all_parts=(release asan tsan fuzz)
parts=()
ctest_args=()
while (($#)); do
  case "$1" in
    --) shift; ctest_args=("$@"); break ;;
    release|asan|tsan|fuzz) parts+=("$1"); shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tools/test.sh: unknown part '$1' (expected: ${all_parts[*]}, or -- then ctest arguments)" >&2; exit 2 ;;
  esac
done
((${#parts[@]})) || parts=("${all_parts[@]}")

bash tools/bootstrap.sh
jobs=$(nproc)
summary=()
failed=0
for part in "${parts[@]}"; do
  echo "=== tools/test.sh: $part ==="
  start=$SECONDS
  cmake --preset "$part" >/dev/null
  cmake --build --preset "$part" -j "$jobs"
  built=$SECONDS
  reports="build/$part/sanitizer-reports"
  rm -f "$reports"/* 2>/dev/null || true
  if ctest --preset "$part" -j "$jobs" "${ctest_args[@]}"; then result=passed; else result=FAILED; failed=1; fi
  # A sanitizer report from a child process (gatewayd, mock-services) fails the part too.
  if compgen -G "$reports/*" >/dev/null; then
    echo "=== sanitizer reports in $reports ==="
    head -n 60 "$reports"/*
    result=FAILED; failed=1
  fi
  summary+=("$(printf '%-8s %-7s build %4d s, tests %4d s' "$part" "$result" $((built - start)) $((SECONDS - built)))")
done
echo "=== tools/test.sh: summary (total ${SECONDS} s) ==="
printf '%s\n' "${summary[@]}"
exit "$failed"
