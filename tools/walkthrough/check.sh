#!/usr/bin/env bash
# Runs every step of tools/walkthrough/WALKTHROUGH.md against a real mock-services and gatewayd
# and checks each answer (status, the headers and body fields that matter; never timestamps,
# correlation ids or latencies). Each step's command is the one the walk-through shows, line
# for line: a command that is not in WALKTHROUGH.md fails its step, so the two stay in step.
# Both processes run on free loopback ports, in a temporary folder, and are stopped on exit.
# Bounded: curl gets 2 s to connect and 5 s per request (a .curlrc in the temporary folder),
# every loop of a step has a count, and the whole script WALKTHROUGH_TIMEOUT_S (default 90) s.
#
# Usage: tools/walkthrough/check.sh [--gatewayd PATH] [--mock-services PATH] [--transcript FILE]
#   --transcript FILE  also write every step's command and its full answer to FILE, with the
#                      addresses of this run replaced by the walk-through's (127.0.0.1:8080...)
# Env: GATEWAYD_PATH, MOCK_SERVICES_PATH (default build/release/tools/gatewayd and
#      build/release/mock-services/mock-services), WALKTHROUGH_TIMEOUT_S.
# Needs bash, curl, jq, openssl (tools/bootstrap.sh installs them).
# Prints one line per step: "ok" or "FAILED" with what was expected and what came.
# Exit: 0 every step held; 1 a step failed; 2 bad usage or a missing tool; 3 a process would
# not start, or the time ran out.
set -uo pipefail

if [[ -z ${WALKTHROUGH_UNDER_TIMEOUT:-} ]]; then
  export WALKTHROUGH_UNDER_TIMEOUT=1
  timeout -k 5 "${WALKTHROUGH_TIMEOUT_S:-90}" bash "$0" "$@"
  rc=$?
  if ((rc == 124 || rc == 137)); then
    echo "check.sh: FAILED: ran out of time (${WALKTHROUGH_TIMEOUT_S:-90} s)" >&2
    exit 3
  fi
  exit "$rc"
fi

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
GATEWAYD_BIN=${GATEWAYD_PATH:-$ROOT/build/release/tools/gatewayd}
MOCKS_BIN=${MOCK_SERVICES_PATH:-$ROOT/build/release/mock-services/mock-services}
TRANSCRIPT=""
DOC="$HERE/WALKTHROUGH.md"

# usage CODE: the header comment above, on stdout for --help (0), on stderr otherwise.
usage() {
  local text; text=$(sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//')
  if (($1 == 0)); then echo "$text"; else echo "$text" >&2; fi
  exit "$1"
}
while (($# > 0)); do
  case $1 in
    --gatewayd) GATEWAYD_BIN=${2:?--gatewayd needs a path}; shift 2 ;;
    --mock-services) MOCKS_BIN=${2:?--mock-services needs a path}; shift 2 ;;
    --transcript) TRANSCRIPT=${2:?--transcript needs a file}; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "check.sh: unknown argument \"$1\" (--help lists them)" >&2; exit 2 ;;
  esac
done
for tool in curl jq openssl timeout; do
  command -v "$tool" >/dev/null || { echo "check.sh: $tool is not installed (tools/bootstrap.sh installs it)" >&2; exit 2; }
done
for bin in "$GATEWAYD_BIN" "$MOCKS_BIN"; do
  [[ -x $bin ]] || { echo "check.sh: $bin is not an executable (build it, or pass its path)" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/walkthrough.XXXXXX")
MOCKS_PID="" GATEWAYD_PID=""
stop_all() {
  for pid in $GATEWAYD_PID $MOCKS_PID; do kill -TERM "$pid" 2>/dev/null; done
  for pid in $GATEWAYD_PID $MOCKS_PID; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null && ! zombie "$pid" || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap stop_all EXIT
trap 'exit 3' TERM INT

zombie() { local s; s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [[ $s == Z ]]; }
# Running: its /proc entry readable and not a zombie. `kill -0` alone is not enough: bash reaps
# a background job as soon as it ends, and a process seen by kill -0 mid-exit may already have
# no /proc entry (a TSan run once reported "still running" for a gatewayd with no threads left).
running() { local s; s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [[ $s != Z ]]; }
# The first stdout line of a process we started, waited for up to 10 s.
first_line() {
  local file=$1 pid=$2
  for _ in $(seq 100); do
    [[ -s $file ]] && head -n 1 "$file" | jq -e . >/dev/null 2>&1 && { head -n 1 "$file"; return 0; }
    kill -0 "$pid" 2>/dev/null && ! zombie "$pid" || return 1
    sleep 0.1
  done
  return 1
}

# curl, for every command of the walk-through: bounded without changing the commands.
export CURL_HOME=$WORK
printf 'connect-timeout = 2\nmax-time = 5\n' > "$WORK/.curlrc"

# ---- start mock-services on free ports --------------------------------------------------
jq '.services[].port = 0' "$HERE/mocks.json" > "$WORK/mocks.json"
"$MOCKS_BIN" --config "$WORK/mocks.json" > "$WORK/mocks.out" 2> "$WORK/mocks.err" &
MOCKS_PID=$!
if ! MOCK_PORTS=$(first_line "$WORK/mocks.out" "$MOCKS_PID"); then
  echo "check.sh: mock-services did not start:" >&2; cat "$WORK/mocks.err" >&2; exit 3
fi
# instance id -> "127.0.0.1:port"
ADDRESSES=$(jq -c '[.services[][] | {(.instance): .address}] | add' <<< "$MOCK_PORTS")

# ---- start gatewayd with the walk-through's config, pointed at those ports ----------------
jq --argjson a "$ADDRESSES" '.server.listen = "127.0.0.1:0" | .server.admin = "127.0.0.1:0"
  | .services[].instances[] |= (.address = $a[.id])' "$HERE/gateway.json" > "$WORK/gateway.json"
"$GATEWAYD_BIN" --config "$WORK/gateway.json" > "$WORK/gatewayd.out" 2> "$WORK/gatewayd.err" &
GATEWAYD_PID=$!
if ! READY=$(first_line "$WORK/gatewayd.out" "$GATEWAYD_PID"); then
  echo "check.sh: gatewayd did not start:" >&2; cat "$WORK/gatewayd.err" >&2; exit 3
fi
GW=$(jq -r .listen <<< "$READY")
ADMIN=$(jq -r .admin <<< "$READY")
MOCKS=$(jq -r '.["users-1"]' <<< "$ADDRESSES")
export GW ADMIN MOCKS WORK GATEWAYD_PID MOCKS_PID

# sed expressions that turn this run's addresses into the walk-through's, for --transcript.
TO_DOC=(-e "s#$GW\\b#127.0.0.1:8080#g" -e "s#$ADMIN\\b#127.0.0.1:9901#g" -e "s#$WORK#/tmp/walkthrough#g")
while read -r _ ours theirs; do
  TO_DOC+=(-e "s#$ours\\b#$theirs#g")
done < <(jq -r --slurpfile doc "$HERE/gateway.json" 'to_entries[] | .key as $id | "\($id) \(.value) \(
  [$doc[0].services[].instances[] | select(.id == $id) | .address][0])"' <<< "$ADDRESSES")
[[ -n $TRANSCRIPT ]] && : > "$TRANSCRIPT"

# ---- steps ---------------------------------------------------------------------------------
# step N 'COMMAND' runs COMMAND (every line of it must be a line of WALKTHROUGH.md); the
# checks after it judge its output; the next step (or the end) prints the verdict. The checks
# run in bash, and a step's json checks in one jq call, so a step costs few processes.
declare -A DOC_LINES=()
if [[ -f $DOC ]]; then
  while IFS= read -r line; do [[ -n $line ]] && DOC_LINES[$line]=1; done < "$DOC"
fi
STEP="" CMD="" OUT="" HEAD="" BODY="" PROBLEMS=() JSON_FILTERS=() JSON_EXPECTED=() PASSED=0 FAILED=0
verdict() {
  [[ -z $STEP ]] && return
  json_checks
  if ((${#PROBLEMS[@]} == 0)); then
    printf 'ok      step %-3s %s\n' "$STEP" "${CMD%%$'\n'*}"
    PASSED=$((PASSED + 1))
  else
    printf 'FAILED  step %-3s %s\n' "$STEP" "${CMD%%$'\n'*}"
    printf '          %s\n' "${PROBLEMS[@]}"
    printf '          output was:\n'
    sed 's/^/          | /' <<< "$OUT" | head -n 30
    FAILED=$((FAILED + 1))
  fi
}
step() {
  verdict
  STEP=$1 CMD=$2 PROBLEMS=() JSON_FILTERS=() JSON_EXPECTED=()
  local line
  while IFS= read -r line; do
    [[ -n ${DOC_LINES[$line]:-} ]] || PROBLEMS+=("this command line is not in WALKTHROUGH.md: $line")
  done <<< "$CMD"
  OUT=$(cd "$ROOT" && eval "$CMD" 2>&1)
  OUT=${OUT//$'\r'/}
  if [[ $OUT == HTTP/* ]]; then
    HEAD=${OUT%%$'\n\n'*}
    BODY=${OUT#*$'\n\n'}
    [[ $HEAD == "$OUT" ]] && BODY=""
  else
    HEAD="" BODY=$OUT
  fi
  if [[ -n $TRANSCRIPT ]]; then
    printf '### step %s\n\n```sh\n%s\n```\n\n```text\n%s\n```\n\n' "$STEP" "$CMD" "$OUT" | sed "${TO_DOC[@]}" >> "$TRANSCRIPT"
  fi
}
problem() { PROBLEMS+=("$1"); }
status() {
  local first=${HEAD%%$'\n'*} _ got=""
  read -r _ got _ <<< "$first"
  [[ $got == "$1" ]] || problem "status: expected $1, got ${got:-none}"
}
# The value of the first header field named $1 (any case), or nothing.
header_value() {
  local line field name=${1,,}
  while IFS= read -r line; do
    [[ $line == *": "* ]] || continue
    field=${line%%:*}
    if [[ ${field,,} == "$name" ]]; then
      printf '%s' "${line#*: }"
      return
    fi
  done <<< "${HEAD#*$'\n'}"
}
header() {
  local got; got=$(header_value "$1")
  [[ $got == "$2" ]] || problem "header $1: expected '$2', got '${got:-(none)}'"
}
header_like() {
  local got; got=$(header_value "$1")
  [[ $got =~ $2 ]] || problem "header $1: expected to match /$2/, got '${got:-(none)}'"
}
no_header() {
  local got; got=$(header_value "$1")
  [[ -z $got ]] || problem "header $1: expected none, got '$got'"
}
# json FILTER EXPECTED: the body through jq FILTER gives EXPECTED (a string raw, anything else
# as compact JSON). Checked at the step's end, all filters in one jq run.
json() { JSON_FILTERS+=("$1"); JSON_EXPECTED+=("$2"); }
json_checks() {
  ((${#JSON_FILTERS[@]} == 0)) && return
  local program="[" i
  for i in "${!JSON_FILTERS[@]}"; do
    program+="([${JSON_FILTERS[i]}] | map(if type == \"string\" then . else tojson end) | join(\"\\n\")),"
  done
  program="${program%,}] as \$got | range(0; \$got | length) | select(\$got[.] != \$ARGS.positional[.])
    | \"\\(.) \\(\$got[.] | tojson)\""
  local mismatches
  if ! mismatches=$(jq -r "$program" --args "${JSON_EXPECTED[@]}" <<< "$BODY" 2>&1); then
    problem "body: not the JSON expected ($mismatches)"
    return
  fi
  while read -r i got; do
    [[ -n $i ]] && problem "${JSON_FILTERS[i]}: expected '${JSON_EXPECTED[i]}', got $got"
  done <<< "$mismatches"
}
output() { [[ $OUT == "$1" ]] || problem "output: expected '$1', got '$OUT'"; }
has_line() {
  local line
  while IFS= read -r line; do [[ $line == "$1" ]] && return; done <<< "$OUT"
  problem "output: expected a line '$1'"
}
# Waits up to 20 s for process $1 to exit (a drain may take its 5 s and the workers their 3 s
# grace; a sanitizer build on a loaded machine is several times slower); checks its exit code
# and a line of its stderr (none when $3 is empty). A process still running is reported with
# what it wrote to stderr, to tell a slow drain from a hang.
exits() {
  local pid=$1 code=$2 line=$3 file=$4 rc
  for _ in $(seq 200); do running "$pid" || break; sleep 0.1; done
  if running "$pid"; then
    # Each thread's name, state and kernel wait channel, to tell where a hang sits.
    local threads="" t
    for t in /proc/"$pid"/task/*; do
      threads+="$(cat "$t/comm" 2>/dev/null):$(awk '{print $3}' "$t/stat" 2>/dev/null):$(cat "$t/wchan" 2>/dev/null) "
    done
    problem "still running 20 s after the signal; its stderr so far: $(tail -n 5 "$file" | tr '\n' '|'); its threads (name:state:wait): $threads"
    return
  fi
  wait "$pid"; rc=$?
  [[ $rc == "$code" ]] || problem "exit code: expected $code, got $rc"
  [[ -z $line ]] || grep -qxF -- "$line" "$file" || problem "stderr: expected a line '$line', got: $(tr '\n' '|' < "$file")"
  OUT=$(cat "$file")
  [[ -z $TRANSCRIPT ]] || printf '%s stderr:\n\n```text\n%s\n```\n\n' "$STEP" "$OUT" >> "$TRANSCRIPT"
}

source "$HERE/steps.sh"

verdict
echo "check.sh: $PASSED steps ok, $FAILED failed"
((FAILED == 0)) || exit 1
exit 0
