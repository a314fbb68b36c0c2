#!/usr/bin/env bash
# Installs every Debian package the project needs (libgateway/ARCHITECTURE.md, "Dependencies").
# Idempotent: when everything is present it only checks and returns in a second or two.
set -euo pipefail

PACKAGES=(
  # toolchain (clang, its libFuzzer runtime and llvm-symbolizer: the fuzz preset, tests/fuzz)
  build-essential cmake ninja-build pkg-config git ca-certificates clang libclang-rt-14-dev llvm
  # core and network libraries
  libboost1.81-dev libcli11-dev nlohmann-json3-dev libfmt-dev libssl-dev libhiredis-dev zlib1g-dev libbrotli-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # dashboard
  libimgui-dev libglfw3-dev libgl-dev libstb-dev libgl1-mesa-dri xauth xvfb
  # comparison servers and tools used by tests and benchmarks
  redis-server nginx-light haproxy wrk prometheus openssl curl jq
  # Go anchor for the rate-limit benchmark (golang.org/x/time/rate)
  golang-go golang-golang-x-time-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "bootstrap: installing ${#missing[@]} package(s): ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Services installed as packages (redis, nginx, haproxy, prometheus) must not be left
# running by the install: tests start their own on ephemeral loopback ports.
$SUDO apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
for svc in redis-server nginx haproxy prometheus prometheus-node-exporter; do
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl stop "$svc" >/dev/null 2>&1 || true; fi
  if command -v service >/dev/null 2>&1; then $SUDO service "$svc" stop >/dev/null 2>&1 || true; fi
done
echo "bootstrap: done"
