#!/usr/bin/env bash
# The embedded default: perplexity and needle-driven loss of the shipped tiny model
# (data/tiny-llama.h5, context 256) at its own window and at 8x, with the original RoPE and the
# no-training baselines PI, NTK and YaRN, on the held-out plays (data/corpus/heldout). Builds
# ropescale in build/ first when needed. Prints a Markdown table on stdout (progress on stderr).
#
#   jobs/embedded-default.sh                 # 16 windows and 16 needle documents per length
#   DOCS=32 jobs/embedded-default.sh --json  # extra arguments go to `ropescale eval ppl`
#
# Environment: DOCS (windows/needle documents per length), BUILD_DIR (default build),
# ROPESCALE_BIN (use this program instead of building), OMP_NUM_THREADS (CPU threads).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
docs=${DOCS:-16}

bin=${ROPESCALE_BIN:-}
if [[ -z "$bin" ]]; then
  bin=$build_dir/bin/ropescale
  if [[ ! -x "$bin" ]]; then
    echo "embedded-default: building ropescale in $build_dir" >&2
    cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >&2
    cmake --build "$build_dir" -j"$(nproc)" --target ropescale_cli >&2
  fi
fi

exec "$bin" eval ppl --model "$root/data/tiny-llama.h5" --corpus "$root/data/corpus/heldout" \
  --lengths 256,2048 --ropes original,pi,ntk,yarn --needle --docs "$docs" --batch 4 "$@"
