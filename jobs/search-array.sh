#!/usr/bin/env bash
# Submits a reproducibility study of the search as one Slurm job array: one task per (seed,
# target length) of RS_SEEDS x RS_TARGET_LENS, each in its own run folder
# RS_RUNS_DIR/search-<array id>_<task>, then a summary job once every task has ended (succeeded or
# not) that writes the table RS_RUNS_DIR/search-<array id>-summary.md.
# Usage: bash jobs/search-array.sh [CONFIG]     (on the cluster's login node)
# Settings and resources as for jobs/pipeline.sh (jobs/slurm/defaults.conf, CONFIG, RS_* variables).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/jobs/slurm/submit.sh"
rs_submit_start "$root" search-array "${1:-${RS_CONFIG:-}}"
rs_require_int RS_SEED RS_TARGET_LEN
tasks=$(rs_array_size)
array=$(rs_submit "${RS_SBATCH[@]}" --job-name=ropescale-search --time="$RS_SEARCH_TIME" \
  --array="0-$((tasks - 1))" --output="$RS_LOGS/%x-%A_%a.out" "$root/jobs/search.sbatch" "${RS_SUBMITTED_CONFIG[@]}")
summary_file=$RS_RUNS_DIR/search-$array-summary.md
printf -v summarize '%q ' "$RS_PYTHON" "$root/jobs/slurm/array_summary.py" --runs-dir "$RS_RUNS_DIR" \
  --array "$array" --tasks "$tasks" --out "$summary_file"
summary_options=(--parsable --ntasks=1 --cpus-per-task=1)
[[ -z $RS_PARTITION ]] || summary_options+=(--partition="$RS_PARTITION")
[[ -z $RS_ACCOUNT ]] || summary_options+=(--account="$RS_ACCOUNT")
[[ -z $RS_QOS ]] || summary_options+=(--qos="$RS_QOS")
summary=$(rs_submit "${summary_options[@]}" --job-name=ropescale-summary --time=00:10:00 \
  --dependency="afterany:$array" --kill-on-invalid-dep=yes --output="$RS_LOGS/%x-%j.out" \
  --wrap="$summarize")
cat << TEXT
search array job $array: $tasks tasks (seeds ${RS_SEEDS:-$RS_SEED} x targets ${RS_TARGET_LENS:-$RS_TARGET_LEN}), run folders $RS_RUNS_DIR/search-${array}_0 .. _$((tasks - 1))
summary job $summary, after every task: $summary_file
logs:  $RS_LOGS/ropescale-search-${array}_<task>.out, $RS_LOGS/ropescale-summary-$summary.out
TEXT
