#!/usr/bin/env bash
# Installs every build and test dependency of ropescale on a fresh Debian 12 / Ubuntu 24.04
# machine with apt-get. Idempotent: a second run installs nothing new. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake git pkg-config python3
  openmpi-bin libopenmpi-dev libhdf5-openmpi-dev hdf5-tools
  slurmctld slurmd slurm-client munge
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libopenblas-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3-numpy python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
