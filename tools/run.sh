#!/usr/bin/env bash
# Sets everything up and runs the main job: installs missing Debian packages, builds the
# optimised tree, then compares the six rate-limiting algorithms on the default scenario
# (scenarios/free_vs_premium.json) in virtual time, side by side.
# Usage: tools/run.sh [extra gwsim compare arguments, e.g. --format md]
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target gwsim
# The leaky bucket row fails the scenario's p99 expectation on purpose (it queues instead of
# refusing); the scenario as written decides the exit status.
exec build/release/sim/gwsim compare scenarios/free_vs_premium.json --variants-may-fail \
  --vary rate_limits.tiers.free.algorithm=token_bucket,gcra,fixed_window,sliding_log,sliding_counter,leaky_bucket "$@"
