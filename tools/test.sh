#!/usr/bin/env bash
# Sets everything up and runs every test: installs missing Debian packages (bootstrap.sh),
# configures and builds the optimised tree with tests, then runs CTest on all cores.
# Usage: tools/test.sh [extra ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/bootstrap.sh
jobs=$(nproc)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs" "$@"
