#!/usr/bin/env bash
# The simulator checked against the real gateway (issue #16): each scenario runs in virtual
# time (gwsim run) and for real (gwload scenario --launch: mock-services + gatewayd on free
# loopback ports, in real time), and `gwsim agree` sets the two side by side per route.
# Usage: bench/agreement.sh [build-dir] [scenario...]   (default: the three agreement scenarios)
# Writes each pair of results to $OUT (default /tmp/gwload-agreement); $GWLOAD_ARGS is added to
# gwload's flags (e.g. GWLOAD_ARGS='--gateway-threads 1'). Exit 1 when a scenario
# disagrees beyond gwsim agree's default tolerances (2xx and 429 counts 5%, p50 20%).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
shift || true
scenarios=("$@")
((${#scenarios[@]})) || scenarios=(scenarios/api_plans.json scenarios/outage_with_breaker.json scenarios/zipf_products.json)
out=${OUT:-/tmp/gwload-agreement}
mkdir -p "$out"
status=0
for s in "${scenarios[@]}"; do
  name=$(basename "$s" .json)
  echo "=== $name"
  "$build/sim/gwsim" run "$s" --json >"$out/$name.sim.json" || true
  # shellcheck disable=SC2086
  "$build/tools/gwload/gwload" scenario "$s" --launch --quiet ${GWLOAD_ARGS:-} --json "$out/$name.real.json" \
    >"$out/$name.real.txt" || true
  "$build/sim/gwsim" agree "$s" --sim "$out/$name.sim.json" --real "$out/$name.real.json" || status=1
done
exit $status
