#!/bin/sh
# Regenerates the pictures of the gwdash README ("Learn with gwdash"): one PNG per lesson,
# rendered by gwdash's screenshot mode at a chosen simulated time, into tools/gwdash/screenshots/.
# Headless: runs itself under xvfb-run when no display is set. Run from anywhere:
#   tools/gwdash/make_screenshots.sh [path/to/gwdash]     (default: build/release/tools/gwdash/gwdash)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
gwdash=${1:-$root/build/release/tools/gwdash/gwdash}
if [ ! -x "$gwdash" ]; then
  echo "make_screenshots.sh: no gwdash at $gwdash (build it: cmake --build --preset release --target gwdash)" >&2
  exit 2
fi
if [ -z "${DISPLAY:-}" ]; then
  if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "make_screenshots.sh: no display and no xvfb-run (apt-get install xvfb)" >&2
    exit 3
  fi
  exec xvfb-run -a -s "-screen 0 1920x1080x24" "$0" "$gwdash"
fi
out=$root/tools/gwdash/screenshots
mkdir -p "$out"

# shot NAME SCENARIO SECONDS SIZE [PANEL]
shot() {
  name=$1 scenario=$2 at=$3 size=$4 panel=${5:-}
  if [ -n "$panel" ]; then
    "$gwdash" "$root/scenarios/$scenario" --screenshot "$out/$name.png" --at "$at" --size "$size" --panel "$panel"
  else
    "$gwdash" "$root/scenarios/$scenario" --screenshot "$out/$name.png" --at "$at" --size "$size"
  fi
  rm -f "$out/$name.png.json"
}

# The whole dashboard in the middle of an outage, the breaker open.
shot overview            outage_with_breaker.json 25   1920x1080
# A fixed window lets twice its limit through across the minute boundary.
shot limiter_boundary    boundary_burst.json      60.5 1280x720 limiter
# One tenant's burst meets its own limit; the quiet tenants' traffic passes.
shot limiter_noisy       noisy_neighbour.json     17   1280x720 limiter
# The breaker opened on the outage and answered at once; a half-open trial has just closed it.
shot breaker_outage      outage_with_breaker.json 40.4 1280x720 breaker
# Outlier detection ejects the bad canary instance; the plain service keeps using it.
shot topology_canary     canary_bad_instance.json 40   1280x720 topology
# A flash crowd every ten seconds: one upstream fetch per burst with coalescing.
shot cache_stampede      cache_stampede.json      22.5 1280x720 cache
# Ten times the traffic: the limit turns the excess into 429s, latency stays flat.
shot latency_flash_crowd flash_crowd.json         30   1280x720 latency
# Why did this request end so? Partial dashboard answers while recommendations fail.
shot inspector_partial   user_dashboard.json      25   1280x720 inspector
# Retries without a budget keep a service overloaded after its fault has ended.
shot topology_retry_storm retry_storm.json        45   1280x720 topology
# Three gateways share one quota in Redis; one instance is down, the others take its traffic.
shot topology_fleet      cluster_limits.json      25   1280x720 topology
echo "make_screenshots.sh: wrote $(ls "$out"/*.png | wc -l) pictures to $out"
