# Sourced by the submit scripts (jobs/pipeline.sh, jobs/search-array.sh): settings, the sbatch
# options of the resource settings, the program, the logs folder, and sbatch itself.
# shellcheck shell=bash

# shellcheck source-path=SCRIPTDIR source=config.sh
source "$(dirname "${BASH_SOURCE[0]}")/config.sh"

# rs_submit_start ROOT NAME [CONFIG]: the settings (an error stops before anything is submitted),
# RS_SBATCH, `bin` (found or built here, once for every job), RS_LOGS (RS_RUNS_DIR/logs) and
# RS_SUBMITTED_CONFIG: () or CONFIG's copy in RS_LOGS (NAME-DATE-PID.conf), so that editing CONFIG
# later changes no queued job. The jobs get ROPESCALE_ROOT and ROPESCALE_BIN.
rs_submit_start() {
  local root=$1 name=$2
  rs_load_config "$root" "${3:-}"
  rs_sbatch_options
  [[ -z $RS_RUN_DIR ]] || rs_die "RS_RUN_DIR is for resuming one job by hand, not for $name"
  command -v sbatch > /dev/null ||
    rs_die "sbatch not found: run this where Slurm is (a login node, or after env/local-slurm.sh start)"
  # shellcheck source-path=SCRIPTDIR source=../ropescale-bin.sh
  source "$root/jobs/ropescale-bin.sh" "$root/build" "$root"
  RS_LOGS=$RS_RUNS_DIR/logs
  mkdir -p "$RS_LOGS" 2> /dev/null && [[ -w $RS_LOGS ]] ||
    rs_die "cannot write $RS_LOGS (RS_RUNS_DIR=$RS_RUNS_DIR from ${RS_FROM[RS_RUNS_DIR]})"
  RS_SUBMITTED_CONFIG=()
  if [[ -n $RS_CONFIG ]]; then
    RS_SUBMITTED_CONFIG=("$RS_LOGS/$name-$(date +%Y%m%d-%H%M%S)-$$.conf")
    cp "$RS_CONFIG" "${RS_SUBMITTED_CONFIG[0]}"
  fi
  export ROPESCALE_ROOT=$root ROPESCALE_BIN=$bin
}

# rs_sbatch_options: RS_SBATCH = the sbatch options of the resource settings (partition, account,
# QOS, nodes, tasks, CPUs, GPUs, the warning signal, RS_SBATCH_ARGS), for the submit scripts.
rs_sbatch_options() {
  rs_require_int RS_NODES RS_TASKS_PER_NODE RS_CPUS_PER_TASK RS_GPUS_PER_NODE RS_WARNING_SECONDS
  RS_SBATCH=(--parsable --nodes="$RS_NODES" --ntasks-per-node="$RS_TASKS_PER_NODE"
    --cpus-per-task="$RS_CPUS_PER_TASK" --signal=B:USR1@"$RS_WARNING_SECONDS")
  [[ -z $RS_PARTITION ]] || RS_SBATCH+=(--partition="$RS_PARTITION")
  [[ -z $RS_ACCOUNT ]] || RS_SBATCH+=(--account="$RS_ACCOUNT")
  [[ -z $RS_QOS ]] || RS_SBATCH+=(--qos="$RS_QOS")
  if ((RS_GPUS_PER_NODE > 0)); then
    RS_SBATCH+=(--gpus-per-node="$RS_GPUS_PER_NODE")
    ((RS_TASKS_PER_NODE == RS_GPUS_PER_NODE)) || echo "ropescale-job: warning:" \
      "RS_TASKS_PER_NODE=$RS_TASKS_PER_NODE ranks for RS_GPUS_PER_NODE=$RS_GPUS_PER_NODE GPUs" \
      "per node: one rank per GPU is the rule" >&2
  fi
  local -a extra
  read -ra extra <<< "$RS_SBATCH_ARGS"
  RS_SBATCH+=("${extra[@]}")
}

# rs_submit ARGS...: sbatch --parsable ARGS; prints the job id.
rs_submit() {
  local id
  id=$(sbatch "$@") || rs_die "sbatch $* failed"
  echo "${id%%;*}"
}
