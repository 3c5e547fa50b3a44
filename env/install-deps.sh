#!/usr/bin/env bash
# Installs every build and test dependency of ropescale on a fresh Debian 12 / Ubuntu 24.04
# machine with apt-get, then the repository's Python environment .venv (git-ignored) holding the
# PyPI `tokenizers` package that Hugging Face tokenizer.json files run with (io/hf_tokenizer.h).
# Idempotent: a second run installs nothing new. Run as root (or with sudo).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake git pkg-config python3 python3-venv
  openmpi-bin libopenmpi-dev libhdf5-openmpi-dev hdf5-tools
  slurmctld slurmd slurm-client munge
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libopenblas-dev libgtest-dev libgmock-dev libbenchmark-dev
  libsentencepiece-dev sentencepiece libssl-dev
  python3-numpy python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# .venv: Debian's python3 with its packages (numpy, matplotlib) plus a pinned `tokenizers`
# (Rust, no torch). Used by default by ropescale and its tests; ROPESCALE_TOKENIZER_PYTHON
# overrides it.
TOKENIZERS_VERSION=0.23.3
venv=$repo/.venv
if ! "$venv/bin/python3" -c "" 2>/dev/null; then
  echo "install-deps: creating $venv"
  /usr/bin/python3 -m venv --clear --system-site-packages "$venv"
fi
if "$venv/bin/python3" -c "import sys, tokenizers; sys.exit(tokenizers.__version__ != '$TOKENIZERS_VERSION')" 2>/dev/null; then
  echo "install-deps: tokenizers $TOKENIZERS_VERSION already in $venv"
else
  echo "install-deps: installing tokenizers==$TOKENIZERS_VERSION into $venv"
  "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check \
    --root-user-action=ignore "tokenizers==$TOKENIZERS_VERSION"
fi
echo "install-deps: done"
