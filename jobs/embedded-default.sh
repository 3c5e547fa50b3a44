#!/usr/bin/env bash
# The embedded default, end to end on the CPU (about 8 minutes on 2 cores once built):
#  1. builds ropescale in build/ (incremental);
#  2. the problem: perplexity and needle-driven loss of the shipped tiny model
#     (data/tiny-llama.h5, context 256) at its own window and at 8x, with the original RoPE and
#     the no-training baselines PI, NTK and YaRN, on the held-out plays (data/corpus/heldout);
#  3. a LongRoPE2 search of the 16 rescale factors for 8x (needle-driven fitness, MPI ranks)
#     and the winner against PI/NTK/YaRN on 48 fresh held-out needle documents;
#  4. mixed context window fine-tuning (LongRoPE2) of the tiny model with the searched factors
#     on the training plays: short rows of 256 on the original RoPE, long rows of 2048 on the
#     searched one, half the tokens each, data-parallel over the MPI ranks;
#  5. the before/after table on held-out plays: ppl@256 (short retention), ppl@2048, needle loss,
#     digit accuracy and exact keys @2048 for the base model (original, YaRN), the searched
#     factors without training, and the searched factors after mixed training.
# Tables go to stdout/stderr; the outputs (factors.json = HF rope_scaling block, the extended
# checkpoint, the HDF5 search log, the trained model, its metrics, the eval JSONs) to $OUT_DIR
# (default runs/embedded-default).
#
# Environment: DOCS (documents per length in step 1, default 16), RANKS (MPI ranks, default
# nproc), POPULATION (24), GENERATIONS (8), SEARCH_DOCS (16), COMPARE_DOCS (48), TRAIN_STEPS
# (300), EVAL_DOCS (documents per length in step 5, 32), BUILD_DIR (default build), OUT_DIR,
# ROPESCALE_BIN (use this program, skip the build).
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
train_steps=${TRAIN_STEPS:-300}
eval_docs=${EVAL_DOCS:-32}

# shellcheck source=ropescale-bin.sh
source "$root/jobs/ropescale-bin.sh" "$build_dir" "$root"
mkdir -p "$out_dir"
model=$root/data/tiny-llama.h5
corpus=$root/data/corpus/heldout

echo "== 1/4 the tiny model (context 256) at 256 and 2048 with the classic RoPE extensions"
OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)} "$bin" eval ppl --model "$model" --corpus "$corpus" \
  --lengths 256,2048 --ropes original,pi,ntk,yarn --needle --docs "$docs" --batch 4

echo
echo "== 2/4 LongRoPE2 search for 2048 on $ranks MPI rank(s), then the winner on $compare_docs fresh documents"
# shellcheck source=../env/mpi-env.sh
source "$root/env/mpi-env.sh"
OMP_NUM_THREADS=1 mpirun -np "$ranks" "$bin" search --model "$model" --corpus "$corpus" \
  --method longrope2 --seed 1 --population "$population" --generations "$generations" \
  --documents "$search_docs" \
  --out "$out_dir/factors.json" --out-model "$out_dir/tiny-llama-longrope2.h5" \
  --log "$out_dir/search.h5" --compare-documents "$compare_docs" >"$out_dir/search.json"
echo "factors (HF rope_scaling): $out_dir/factors.json; extended model: $out_dir/tiny-llama-longrope2.h5"
echo "search log: $out_dir/search.h5; result: $out_dir/search.json"

echo
echo "== 3/4 mixed context window fine-tuning for 2048 on $ranks MPI rank(s), $train_steps steps"
OMP_NUM_THREADS=1 mpirun -np "$ranks" "$bin" train --model "$model" --data "$root/data/corpus/train" \
  --factors "$out_dir/factors.json" --out "$out_dir/tiny-llama-trained.h5" \
  --metrics "$out_dir/train-metrics.jsonl" --short-len 256 --long-len 2048 \
  --long-token-share 0.5 --global-batch-tokens 8192 --steps "$train_steps" --lr 5e-4 --warmup 20 \
  --seed 1 --passkey-fraction 0.5 --answer-weight 3 --checkpoint-every 50 --threads 1 --log-every 30
echo "trained model: $out_dir/tiny-llama-trained.h5; metrics: $out_dir/train-metrics.jsonl"

echo
echo "== 4/4 before/after on the held-out plays ($eval_docs windows and needle documents per length)"
evaluate() {  # MODEL ROPES OUT.json
  OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)} "$bin" --log-level warn eval ppl --model "$1" \
    --corpus "$corpus" --lengths 256,2048 --ropes "$2" --needle --retrieval --docs "$eval_docs" \
    --batch 4 --json > "$3"
}
evaluate "$model" original,yarn "$out_dir/eval-base.json"
# `model`: each checkpoint's own (searched longrope) RoPE; `original` would be its un-extended one.
evaluate "$out_dir/tiny-llama-longrope2.h5" model "$out_dir/eval-searched.json"
evaluate "$out_dir/tiny-llama-trained.h5" model "$out_dir/eval-trained.json"
python3 "$root/jobs/before_after_table.py" --short 256 --long 2048 \
  "base, original RoPE=$out_dir/eval-base.json:original" \
  "base + YaRN, no training=$out_dir/eval-base.json:yarn" \
  "searched LongRoPE2, no training=$out_dir/eval-searched.json:model" \
  "searched LongRoPE2 + mixed training=$out_dir/eval-trained.json:model" \
  | tee "$out_dir/before-after.md"
