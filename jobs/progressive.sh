#!/usr/bin/env bash
# LongRoPE's progressive extension as one resumable pipeline; MPI ranks share each stage. The
# defaults (embedded tiny model) take about 25 minutes on the 2-core build machine, mostly the
# 16384-token search and evaluation; raise the search sizes for a real run.
#  1-search   factors for T1 = SCALE1 x L (L = the base model's window) on the base model,
#             without fine-tuning;
#  2-train    mixed context window fine-tuning at T1 on the stage-1 model (short rows of L
#             tokens on its short factors, all 1: the original RoPE; long rows of T1 on the
#             searched long factors);
#  3-search   from the fine-tuned model, factors for T2 = SCALE2 x T1, seeded by the stage-1
#             factors rescaled linearly from s = SCALE1 to s = SCALE1 x SCALE2 (`--init-factors
#             --init-scale`; s is always relative to L, the model's original window);
#  4-short    short-window recovery on the stage-3 model: its short factors searched on
#             perplexity windows of L tokens, the long factors fixed (`--factors short`);
#  5-eval     perplexity at L, T1 and T2: the base model (original RoPE, YaRN for T2) and each
#             stage's model (its own RoPE);
#  6-export   the final model as a Hugging Face folder (rope_scaling longrope: long_factor from
#             stage 3, short_factor from stage 4).
# Outputs in $OUT_DIR (runs/progressive): one folder per stage (factors.json = the HF
# rope_scaling block, result.json = the search's stdout, search.h5 = its log, the checkpoints,
# 5-eval/eval.md = the tables, printed at the end too), 6-export/final = the HF folder.
#
# Resuming: run the script again (same environment) after a kill, a preemption or an exit 75
# (training checkpointed on SIGTERM/SIGUSR1, or TRAIN_STEPS_PER_RUN reached). A stage that
# finished wrote $OUT_DIR/stages/NAME.done (atomically, holding the stage's command); it is
# skipped while its outputs exist. The stage that was running restarts from its own state:
# searches from their HDF5 log (--log --resume: the last complete generation), training from
# its checkpoint (--resume). Every output is written atomically (temp name, then rename). A
# stage marker whose command differs from this run's (other settings) is an error: use another
# OUT_DIR, or remove that stage's folder and marker and those of the stages after it.
#
# Environment: MODEL (data/tiny-llama.h5), WINDOW (its original window L: 256; checked against
# the model after stage 1), SCALE1 and SCALE2 (8 and 8, integers: 8x, then 64x overall),
# METHOD (longrope2), RANKS (MPI ranks, nproc), LAUNCHER (what starts the ranks: "mpirun -np
# RANKS"; "srun" under Slurm; "" = one process), POPULATION (8), GENERATIONS (3), SEARCH_DOCS
# (4), SHORT_GENERATIONS (GENERATIONS), SHORT_DOCS (SEARCH_DOCS), TRAIN_STEPS (150),
# TRAIN_BATCH_TOKENS (8192), TRAIN_STEPS_PER_RUN (0 = no limit; else the training stage stops
# with a checkpoint and exit 75 after that many steps of one invocation), LR (5e-4), WARMUP (20),
# EVAL_DOCS (4), CORPUS (data/corpus/heldout), TRAIN_DATA (data/corpus/train), SEED (1),
# PYTHON (/usr/bin/python3), OUT_DIR, BUILD_DIR (build), ROPESCALE_BIN (use this program, skip
# the build).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
out=${OUT_DIR:-$root/runs/progressive}
model=${MODEL:-$root/data/tiny-llama.h5}
window=${WINDOW:-256}
scale1=${SCALE1:-8}
scale2=${SCALE2:-8}
method=${METHOD:-longrope2}
ranks=${RANKS:-$(nproc)}
population=${POPULATION:-8}
generations=${GENERATIONS:-3}
search_docs=${SEARCH_DOCS:-4}
short_generations=${SHORT_GENERATIONS:-$generations}
short_docs=${SHORT_DOCS:-$search_docs}
train_steps=${TRAIN_STEPS:-150}
train_batch_tokens=${TRAIN_BATCH_TOKENS:-8192}
train_steps_per_run=${TRAIN_STEPS_PER_RUN:-0}
lr=${LR:-5e-4}
warmup=${WARMUP:-20}
eval_docs=${EVAL_DOCS:-4}
corpus=${CORPUS:-$root/data/corpus/heldout}
train_data=${TRAIN_DATA:-$root/data/corpus/train}
seed=${SEED:-1}
python=${PYTHON:-/usr/bin/python3}
t1=$((scale1 * window))
t2=$((scale2 * t1))

# shellcheck source=ropescale-bin.sh
source "$root/jobs/ropescale-bin.sh" "$build_dir" "$root"
# shellcheck source=../env/mpi-env.sh
source "$root/env/mpi-env.sh"
read -r -a launcher <<< "${LAUNCHER-mpirun -np $ranks}"
start=$SECONDS
say() { echo "== [$(((SECONDS - start) / 60)) min] $*" >&2; }
fail() { echo "progressive: $*" >&2; exit 1; }

# ropescale under the launcher, one CPU thread per rank.
launch() { OMP_NUM_THREADS=1 "${launcher[@]}" "$bin" --log-level warn "$@"; }
# to_file FILE COMMAND...: COMMAND's stdout into FILE, atomically.
to_file() {
  local file=$1 rc=0
  shift
  "$@" > "$file.tmp.$$" || rc=$?
  if ((rc)); then
    rm -f "$file.tmp.$$"
    return "$rc"
  fi
  mv -f "$file.tmp.$$" "$file"
}
# train_resumable OUT STEPS ARGS...: `ropescale train --out OUT --steps STEPS ARGS`, resuming
# OUT's checkpoint when an earlier run of this stage left one; exit 75 (checkpointed, run again)
# unless the checkpoint holds all STEPS steps.
train_resumable() {
  local checkpoint=$1 steps=$2
  shift 2
  local -a resume=() limit=()
  [[ -f "$checkpoint" ]] && resume=(--resume)
  ((train_steps_per_run > 0)) && limit=(--max-steps-this-run "$train_steps_per_run")
  to_file "$checkpoint.summary.json" launch train --out "$checkpoint" --steps "$steps" "$@" \
    --json "${resume[@]}" "${limit[@]}"
  local done_steps
  done_steps=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["steps"])' \
    "$checkpoint.summary.json")
  if ((done_steps < steps)); then
    say "training checkpointed at step $done_steps of $steps: run the script again to resume"
    exit 75
  fi
}

# stage NAME OUTPUT... -- COMMAND...: runs COMMAND unless the stage is done (marker with the
# same command, outputs present); then marks it done.
stage() {
  local name=$1
  shift
  local -a outputs=()
  while [[ "$1" != -- ]]; do
    outputs+=("$1")
    shift
  done
  shift
  local marker=$out/stages/$name.done
  local command
  command=$(printf '%q ' "$@")
  if [[ -f "$marker" ]]; then
    [[ "$(cat "$marker")" == "$command" ]] ||
      fail "stage $name was completed with other settings ($marker):
  then: $(cat "$marker")
  now:  $command
use another OUT_DIR, or remove $out/$name, its marker and those of the later stages"
    local present=1 file
    for file in "${outputs[@]}"; do [[ -e "$file" ]] || present=0; done
    if ((present)); then
      say "$name: done, skipped"
      return 0
    fi
    rm -f "$marker"
  fi
  say "$name"
  mkdir -p "$out/$name"
  rm -f "$out/$name"/*.tmp.[0-9]* # what a killed run of this stage left half-written
  "$@"
  printf '%s\n' "$command" > "$marker.tmp.$$"
  mv -f "$marker.tmp.$$" "$marker"
}

mkdir -p "$out/stages"
search_sizes=(--population "$population" --generations "$generations" --documents "$search_docs"
  --corpus "$corpus" --seed "$seed" --threads 1)
s1=$out/1-search s2=$out/2-train s3=$out/3-search s4=$out/4-short s5=$out/5-eval

stage 1-search "$s1/factors.json" "$s1/extended.h5" "$s1/result.json" -- \
  to_file "$s1/result.json" launch search --model "$model" --method "$method" \
  --target-len "$t1" "${search_sizes[@]}" --out "$s1/factors.json" \
  --out-model "$s1/extended.h5" --log "$s1/search.h5" --resume
original=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["original_len"])' \
  "$s1/result.json")
[[ "$original" == "$window" ]] ||
  fail "WINDOW=$window, but $model's original window is $original: set WINDOW=$original"

stage 2-train "$s2/trained.h5" -- \
  train_resumable "$s2/trained.h5" "$train_steps" --model "$s1/extended.h5" \
  --data "$train_data" --metrics "$s2/metrics.jsonl" --short-len "$window" --long-len "$t1" \
  --long-token-share 0.5 --global-batch-tokens "$train_batch_tokens" --lr "$lr" --warmup "$warmup" \
  --seed "$seed" --passkey-fraction 0.5 --answer-weight 3 --checkpoint-every 50 --threads 1 \
  --log-every 60

stage 3-search "$s3/factors.json" "$s3/extended.h5" "$s3/result.json" -- \
  to_file "$s3/result.json" launch search --model "$s2/trained.h5" --method "$method" \
  --target-len "$t2" "${search_sizes[@]}" --init-factors "$s1/factors.json" \
  --init-scale "$scale1" --out "$s3/factors.json" --out-model "$s3/extended.h5" \
  --log "$s3/search.h5" --resume

stage 4-short "$s4/factors.json" "$s4/model.h5" "$s4/result.json" -- \
  to_file "$s4/result.json" launch search --model "$s3/extended.h5" --factors short \
  --target-len "$window" --population "$population" --generations "$short_generations" \
  --documents "$short_docs" --corpus "$corpus" --seed "$seed" --threads 1 \
  --out "$s4/factors.json" --out-model "$s4/model.h5" --log "$s4/search.h5" --resume

# eval_all LENGTHS DOCS: the perplexity tables (Markdown on stdout, JSON beside).
eval_all() {
  launch eval ppl --model "$model" --corpus "$corpus" --ropes original,yarn \
    --target-length "$t2" --lengths "$1" --docs "$2" --seed "$seed" --threads 1 \
    --out "$s5/base.json"
  echo
  launch eval ppl --model "$s1/extended.h5" --model "$s2/trained.h5" --model "$s3/extended.h5" \
    --model "$s4/model.h5" --corpus "$corpus" --ropes model --lengths "$1" --docs "$2" \
    --seed "$seed" --threads 1 --out "$s5/stages.json"
}
stage 5-eval "$s5/base.json" "$s5/stages.json" "$s5/eval.md" -- \
  to_file "$s5/eval.md" eval_all "$window,$t1,$t2" "$eval_docs"

# export_hf CHECKPOINT FOLDER: the HF folder, renamed into place once complete.
export_hf() {
  rm -rf "$2.tmp.$$"
  "$bin" --log-level warn convert --input "$1" --output "$2.tmp.$$"
  rm -rf "$2"
  mv "$2.tmp.$$" "$2"
}
stage 6-export "$out/6-export/final/config.json" -- \
  export_hf "$s4/model.h5" "$out/6-export/final"

cat "$s5/eval.md"
echo
say "progressive: L = $window -> $t1 (search, fine-tune) -> $t2 (search)," \
  "short-window recovery at $window"
echo "final model (HF): $out/6-export/final; checkpoint: $s4/model.h5;" \
  "factors: $s4/factors.json" >&2
