#!/usr/bin/env bash
# Simulator speed and memory (issue #4):
#  1. gwbench's BM_SimulateSpeedScenario (simulated requests per CPU second on
#     bench/scenarios/sim_speed.json: routing, rate limiting, three services) beside its anchor
#     measured in the same run, BM_EventQueueAnchor (the bare event queue);
#  2. a long run of the same scenario (default 5,000 simulated seconds = 100M requests)
#     reporting wall time and peak RSS, to show memory stays bounded.
# Usage: bench/sim_speed.sh [build-dir] [simulated-seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
seconds=${2:-5000}

"$build/bench/gwbench" --benchmark_filter='BM_EventQueueAnchor|BM_SimulateSpeedScenario' \
  --benchmark_format=json > /tmp/gwsim_speed.json
python3 - <<'PY'
import json
runs = {b["run_name"]: b for b in json.load(open("/tmp/gwsim_speed.json"))["benchmarks"] if b.get("aggregate_name") == "median"}
anchor = next(v for k, v in runs.items() if "EventQueue" in k)
sim = next(v for k, v in runs.items() if "Simulate" in k)
print(f"event queue anchor : {anchor['items_per_second']/1e6:6.2f} M events/s")
print(f"simulated requests : {sim['items_per_second']/1e6:6.3f} M requests/s per core (CPU time), "
      f"{sim['events_per_request']:.2f} events per request")
print(f"ratio              : {sim['items_per_second']*sim['events_per_request']/anchor['items_per_second']:.3f} "
      f"of the bare event rate")
PY

echo "long run: $seconds simulated seconds at 20,000 requests/s"
"$build/sim/gwsim" run bench/scenarios/sim_speed.json --quiet --duration-s "$seconds" | tail -2
