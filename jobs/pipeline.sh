#!/usr/bin/env bash
# Submits the whole LongRoPE2 run as three Slurm jobs, each starting only when the one before it
# succeeded (--dependency=afterok; a failed stage cancels the rest):
#   search (factors.json) -> train (model.h5, trained with those factors) -> eval (the trained and
#   the base model: eval-ppl.json, eval-passkey.json, plots/)
# Usage: bash jobs/pipeline.sh [CONFIG]        (on the cluster's login node)
# Settings: jobs/slurm/defaults.conf, overridden by CONFIG and RS_* environment variables; the
# resource keys (RS_PARTITION, RS_ACCOUNT, RS_NODES, RS_TASKS_PER_NODE, RS_GPUS_PER_NODE, ...)
# become sbatch options. The program is found or built here once (jobs/ropescale-bin.sh, or
# ROPESCALE_BIN); CONFIG is copied next to the logs, so editing it later changes no queued job.
# Prints the job ids and where each result will be.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/jobs/slurm/submit.sh"
rs_submit_start "$root" pipeline "${1:-${RS_CONFIG:-}}"
stage() { # stage NAME TIME [sbatch options]: submits jobs/NAME.sbatch, prints its id
  local name=$1 time=$2
  shift 2
  rs_submit "${RS_SBATCH[@]}" --job-name="ropescale-$name" --time="$time" \
    --output="$RS_LOGS/%x-%j.out" "$@" "$root/jobs/$name.sbatch" "${RS_SUBMITTED_CONFIG[@]}"
}
after() { echo "--dependency=afterok:$1" --kill-on-invalid-dep=yes; }

search=$(stage search "$RS_SEARCH_TIME")
factors=$RS_RUNS_DIR/search-$search/factors.json
# shellcheck disable=SC2046  # after's words are two options
train=$(RS_FACTORS=$factors stage train "$RS_TRAIN_TIME" $(after "$search"))
trained=$RS_RUNS_DIR/train-$train/model.h5
# shellcheck disable=SC2046
evaluation=$(RS_EVAL_MODELS=$trained,$RS_MODEL stage eval "$RS_EVAL_TIME" $(after "$train"))
cat << TEXT
search job $search: $RS_RUNS_DIR/search-$search (factors.json, extended.h5, search.h5, search.json)
train  job $train, after $search succeeds: $RS_RUNS_DIR/train-$train (model.h5, metrics.jsonl, train.json)
eval   job $evaluation, after $train succeeds: $RS_RUNS_DIR/eval-$evaluation (eval-ppl.json, eval-passkey.json, plots/)
logs:  $RS_LOGS/ropescale-{search,train,eval}-<job id>.out
A failed stage cancels the ones after it; see them with: squeue -u \$USER, scontrol show job ID
TEXT
