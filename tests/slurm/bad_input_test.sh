#!/usr/bin/env bash
# Bad input to the Slurm jobs on a local Slurm cluster: a missing model, an unwritable output
# folder and a malformed config each stop the job at once with a clear message in its log and a
# non-zero exit that Slurm records (scontrol, and the cluster's job completion log), and the jobs
# that depend on it with afterok never start. pipeline.sh refuses a malformed config before it
# submits anything.
source "$ROPESCALE_SOURCE_DIR/tests/slurm/slurm_test_lib.sh"

tiny_config tiny.conf
mkdir -p runs/logs
# expect_failed ID MESSAGE: the job FAILED with exit code 1, MESSAGE in its log, and Slurm's
# job completion log says so too.
expect_failed() {
  local log
  log=$(compgen -G "runs/logs/*-$1.out") || fail "job $1 wrote no log"
  grep -qF -- "$2" "$log" || fail "job $1: no '$2' in its log: $(cat "$log")"
  expect_state "$1" FAILED
  [[ $(job_field "$1" ExitCode) == 1:0 ]] || fail "job $1: exit code $(job_field "$1" ExitCode)"
  grep -q "JobId=$1 .*JobState=FAILED .*ExitCode=1:0" "$LOCAL_SLURM_DIR/log/jobcomp.txt" ||
    fail "job $1: no FAILED record in the job completion log"
  echo "job $1 failed as it should: $(grep -F -- "$2" "$log" | head -n 1)"
}
# with_dependent CONFIG [sbatch options]: a search job and a train job after it (afterok); prints
# both ids.
with_dependent() {
  local config=$1 first second
  shift
  first=$(sbatch --parsable --output="runs/logs/%x-%j.out" "$@" "$SRC/jobs/search.sbatch" "$config")
  second=$(sbatch --parsable --output="runs/logs/%x-%j.out" --dependency="afterok:$first" \
    --kill-on-invalid-dep=yes "$SRC/jobs/train.sbatch" "$config")
  echo "$first $second"
}

# 1. A missing model, through the pipeline: search fails, train and eval never start.
RS_MODEL=$WORK/no-such-model.h5 bash "$SRC/jobs/pipeline.sh" tiny.conf > pipeline.txt
read -r search train evaluation < <(sed -n 's/^[a-z]* *job \([0-9]*\)[:,].*/\1/p' pipeline.txt | xargs)
wait_job "$search"
wait_job "$evaluation" 30
expect_failed "$search" "ropescale: error: $WORK/no-such-model.h5: no such file or folder"
expect_never_started "$train" "runs/logs/*-$train.out"
expect_never_started "$evaluation" "runs/logs/*-$evaluation.out"
[[ ! -e runs/train-$train && ! -e runs/eval-$evaluation ]] || fail "a cancelled stage made its run folder"

# 2. An output folder that cannot be written (its parent is a file).
touch not-a-folder
read -r first second < <(RS_RUNS_DIR=$WORK/not-a-folder/runs with_dependent tiny.conf)
wait_job "$first"
wait_job "$second" 30
expect_failed "$first" "cannot write the run folder $WORK/not-a-folder/runs/search-$first"
expect_never_started "$second" "runs/logs/*-$second.out"

# 3. Malformed configs: a line that is no KEY=value, an unknown key, an unbalanced quote.
printf 'RS_TARGET_LEN=512\nRS_POPULATION 4\n' > no-equals.conf
printf 'RS_TARGET_LEN=512\n\n# a typo\nRS_POPULATON=4\n' > typo.conf
printf 'RS_CORPUS="data/corpus\n' > quote.conf
for case in "no-equals.conf:line 2: expected RS_KEY=value, got: RS_POPULATION 4" \
  "typo.conf:line 4: unknown key RS_POPULATON" "quote.conf:line 1: unbalanced quote in RS_CORPUS"; do
  config=${case%%:*}
  read -r first second < <(with_dependent "$config")
  wait_job "$first"
  wait_job "$second" 30
  expect_failed "$first" "ropescale-job: error: config $WORK/$config ${case#*:}"
  expect_never_started "$second" "runs/logs/*-$second.out"
done
jobs_before=$(scontrol show jobs -o | grep -c JobId=)
if bash "$SRC/jobs/pipeline.sh" typo.conf > /dev/null 2> refused.txt; then
  fail "pipeline.sh accepted a config with an unknown key"
fi
grep -q "unknown key RS_POPULATON" refused.txt || fail "pipeline.sh: $(cat refused.txt)"
[[ $(scontrol show jobs -o | grep -c JobId=) == "$jobs_before" ]] ||
  fail "pipeline.sh submitted jobs for a malformed config"
echo "bad input: every case stopped its job and its dependents"
