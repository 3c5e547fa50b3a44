# Sourced by the tests of the Slurm jobs: a private single-node Slurm cluster (env/local-slurm.sh)
# in a temporary folder on a free port, stopped and removed when the test ends, failed or not
# (on failure the job logs are printed first). The test then works in $WORK.
# shellcheck shell=bash
set -euo pipefail
: "${ROPESCALE_BIN:?set ROPESCALE_BIN to the ropescale program}"
: "${ROPESCALE_SOURCE_DIR:?set ROPESCALE_SOURCE_DIR to the source tree}"
SRC=$ROPESCALE_SOURCE_DIR
# shellcheck disable=SC2034 # (the tests use PY)
PY=${ROPESCALE_PYTHON:-/usr/bin/python3}
# The jobs' settings come from each test's config only.
for name in $(compgen -e); do [[ $name != RS_* ]] || unset "$name"; done
WORK=$(mktemp -d /tmp/rs-slurm-test.XXXXXX)
chmod 755 "$WORK" # munged wants every folder above its socket open to all
export LOCAL_SLURM_DIR=$WORK/cluster LOCAL_SLURM_PORT=auto LOCAL_SLURM_CPUS=2
export ROPESCALE_ROOT=$SRC

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
slurm_test_cleanup() {
  local rc=$?
  if ((rc != 0)); then
    for log in "$WORK"/runs/logs/*.out; do
      [[ -e $log ]] && { echo "--- $log" >&2; tail -n 30 "$log" >&2; }
    done
    echo "--- slurmctld log" >&2
    grep -E 'error|fatal' "$LOCAL_SLURM_DIR/log/slurmctld.log" 2> /dev/null | tail -n 10 >&2 || true
  fi
  bash "$SRC/env/local-slurm.sh" stop > /dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$rc"
}
trap slurm_test_cleanup EXIT
trap 'exit 130' INT TERM
cluster=$(bash "$SRC/env/local-slurm.sh" start) || fail "the local Slurm cluster did not start"
eval "$cluster"
cd "$WORK"

# job_field ID FIELD: one field of `scontrol show job` (e.g. JobState, ExitCode, Restarts).
job_field() { scontrol show job -o "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
# wait_job ID [SECONDS]: until the job ended (any state).
wait_job() { bash "$SRC/env/local-slurm.sh" wait "$1" "${2:-300}" 2> /dev/null || true; }
# expect_state ID STATE
expect_state() {
  local state
  state=$(job_field "$1" JobState)
  [[ $state == "$2" ]] || fail "job $1 is $state, expected $2"
}
# expect_never_started ID LOG_GLOB: a dependent job cancelled by its failed dependency.
expect_never_started() {
  expect_state "$1" CANCELLED
  [[ $(job_field "$1" Reason) == DependencyNeverSatisfied ]] ||
    fail "job $1: reason $(job_field "$1" Reason), expected DependencyNeverSatisfied"
  compgen -G "$2" > /dev/null && fail "job $1 wrote $2: it started"
  return 0
}
# tiny_config FILE [LINE...]: a config for a tiny search of the embedded model (256 -> 512 tokens,
# one thread, run folders in $WORK/runs), plus the given KEY=value lines.
tiny_config() {
  local file=$1
  shift
  printf '%s\n' RS_RUNS_DIR=runs RS_TARGET_LEN=512 RS_POPULATION=4 RS_GENERATIONS=1 \
    RS_DOCUMENTS=2 RS_THREADS=1 "$@" > "$file"
}
