#!/usr/bin/env bash
# The embedded default, end to end on the CPU (a few minutes on 2 cores):
#  1. builds ropescale in build/ (incremental);
#  2. the problem: perplexity and needle-driven loss of the shipped tiny model
#     (data/tiny-llama.h5, context 256) at its own window and at 8x, with the original RoPE and
#     the no-training baselines PI, NTK and YaRN, on the held-out plays (data/corpus/heldout);
#  3. the answer: a LongRoPE2 search of the 16 rescale factors for 8x (needle-driven fitness,
#     MPI ranks) and the winner against PI/NTK/YaRN on 48 fresh held-out needle documents.
# Tables go to stdout/stderr; the outputs (factors.json = HF rope_scaling block, the extended
# checkpoint, the HDF5 search log) to $OUT_DIR (default runs/embedded-default).
#
# Environment: DOCS (documents per length in step 1, default 16), RANKS (MPI ranks, default
# nproc), POPULATION (24), GENERATIONS (8), SEARCH_DOCS (16), COMPARE_DOCS (48), BUILD_DIR
# (default build), OUT_DIR, ROPESCALE_BIN (use this program, skip the build).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
out_dir=${OUT_DIR:-$root/runs/embedded-default}
docs=${DOCS:-16}
ranks=${RANKS:-$(nproc)}
population=${POPULATION:-24}
generations=${GENERATIONS:-8}
search_docs=${SEARCH_DOCS:-16}
compare_docs=${COMPARE_DOCS:-48}

bin=${ROPESCALE_BIN:-}
if [[ -z "$bin" ]]; then
  echo "== building ropescale in $build_dir" >&2
  [[ -f "$build_dir/CMakeCache.txt" ]] ||
    cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$build_dir" -j"$(nproc)" --target ropescale_cli >&2
  bin=$build_dir/bin/ropescale
fi
mkdir -p "$out_dir"
model=$root/data/tiny-llama.h5
corpus=$root/data/corpus/heldout

echo "== 1/2 the tiny model (context 256) at 256 and 2048 with the classic RoPE extensions"
OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)} "$bin" eval ppl --model "$model" --corpus "$corpus" \
  --lengths 256,2048 --ropes original,pi,ntk,yarn --needle --docs "$docs" --batch 4

echo
echo "== 2/2 LongRoPE2 search for 2048 on $ranks MPI rank(s), then the winner on $compare_docs fresh documents"
# shellcheck source=../env/mpi-env.sh
source "$root/env/mpi-env.sh"
OMP_NUM_THREADS=1 mpirun -np "$ranks" "$bin" search --model "$model" --corpus "$corpus" \
  --method longrope2 --seed 1 --population "$population" --generations "$generations" \
  --documents "$search_docs" \
  --out "$out_dir/factors.json" --out-model "$out_dir/tiny-llama-longrope2.h5" \
  --log "$out_dir/search.h5" --compare-documents "$compare_docs" >"$out_dir/search.json"
echo "factors (HF rope_scaling): $out_dir/factors.json; extended model: $out_dir/tiny-llama-longrope2.h5"
echo "search log: $out_dir/search.h5; result: $out_dir/search.json"
