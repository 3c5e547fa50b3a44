# Sourced by jobs/*.sbatch: settings, the run folder and its records, launching ropescale on the
# job's ranks, the warning signal, and requeue-and-resume. Usage in a job script:
#   source "$root/jobs/slurm/job-lib.sh"; rs_job_start STAGE "$root" "${1:-${RS_CONFIG:-}}"
#   rs_step DONE_FILE STDOUT_FILE ropescale-arguments...   (as often as the stage needs)
#   rs_job_done RESULT...
# shellcheck shell=bash

# shellcheck source-path=SCRIPTDIR source=config.sh
source "$(dirname "${BASH_SOURCE[0]}")/config.sh"

# Exit code of `ropescale train` that stopped on a signal after writing its checkpoint.
RS_EXIT_CHECKPOINTED=75

rs_say() { echo "ropescale-job: $*" >&2; }
rs_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# rs_status TEXT: the run folder's one-line status file (atomic) and a line in attempts.txt.
rs_status() {
  echo "$1" > "$RS_RUN/status.tmp.$$" && mv "$RS_RUN/status.tmp.$$" "$RS_RUN/status"
  echo "$(rs_now) attempt $RS_ATTEMPT: $1" >> "$RS_RUN/attempts.txt"
}

# The signal handlers: remember the signal and pass it on to the running step (srun and mpirun
# forward it to every rank). Slurm sends the batch shell SIGUSR1 at --signal=B:USR1@SECONDS
# (and scancel --signal=USR1 --batch); SIGTERM comes with scancel, preemption and the time limit.
RS_STOP=
RS_STEP_PID=
rs_on_signal() {
  RS_STOP=$1
  rs_say "SIG$1 received$([[ -n $RS_STEP_PID ]] && echo ", passed on to the running step")"
  if [[ -n $RS_STEP_PID ]]; then kill -s "$1" "$RS_STEP_PID" 2> /dev/null || true; fi
}

rs_find_program() {
  RS_BIN=${ROPESCALE_BIN:-$RS_ROOT/build/bin/ropescale}
  [[ -x $RS_BIN ]] || rs_die "no ropescale program at $RS_BIN: build it (cmake -S $RS_ROOT -B" \
    "$RS_ROOT/build -DCMAKE_BUILD_TYPE=Release && cmake --build $RS_ROOT/build --target" \
    "ropescale_cli) or set ROPESCALE_BIN"
}

# RS_LAUNCH: the launcher command for every rank of the job (empty: run the program directly).
rs_choose_launcher() {
  local mode=$RS_LAUNCHER pmix=0
  if [[ -n ${SLURM_JOB_ID:-} ]] && [[ $mode == auto || $mode == srun ]] &&
    srun --mpi=list 2>&1 | grep -qw pmix; then
    pmix=1
  fi
  if [[ $mode == auto ]]; then
    if [[ -z ${SLURM_JOB_ID:-} ]]; then
      mode=none
    elif ((pmix)) || ! command -v mpirun > /dev/null; then
      mode=srun
    else
      mode=mpirun
    fi
  fi
  case $mode in
    srun)
      # (srun 22.05 does not take --cpus-per-task from the allocation: pass it on.)
      RS_LAUNCH=(srun --kill-on-bad-exit=1 --cpus-per-task="${SLURM_CPUS_PER_TASK:-1}")
      ((pmix)) && RS_LAUNCH+=(--mpi=pmix)
      ;;
    mpirun)
      RS_LAUNCH=(mpirun -np "${SLURM_NTASKS:-1}")
      if [[ $(id -u) == 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
      ;;
    none) RS_LAUNCH=() ;;
    *) rs_die "RS_LAUNCHER=$RS_LAUNCHER (from ${RS_FROM[RS_LAUNCHER]}): expected auto, srun, mpirun or none" ;;
  esac
  [[ $RS_BACKEND == cuda ]] && RS_LAUNCH+=("$RS_ROOT/jobs/slurm/bind-gpu.sh")
  return 0
}

rs_write_versions() {
  {
    echo "ropescale: $RS_BIN $("$RS_BIN" --version 2>&1)"
    echo "source: $RS_ROOT $(git -C "$RS_ROOT" describe --always --dirty 2> /dev/null || echo '(no git)')"
    echo "host: $(hostname) $(uname -srm)"
    sed -n 's/^PRETTY_NAME=/os: /p' /etc/os-release 2> /dev/null
    [[ -z ${SLURM_JOB_ID:-} ]] || echo "slurm: $(srun --version 2>&1)"
    command -v mpirun > /dev/null && echo "mpi: $(mpirun --version 2>&1 | head -1)"
    echo "python: $RS_PYTHON $("$RS_PYTHON" --version 2>&1)"
    command -v nvidia-smi > /dev/null && nvidia-smi -L 2>&1 | sed 's/^/gpu: /'
    declare -F module > /dev/null && module list 2>&1 | sed 's/^/module: /'
    echo "launcher: ${RS_LAUNCH[*]:-(direct)}"
    env | grep -E '^(SLURM_|CUDA_VISIBLE_DEVICES|OMP_NUM_THREADS)' | sort
  } > "$RS_RUN/versions.txt.tmp.$$" 2>&1
  mv "$RS_RUN/versions.txt.tmp.$$" "$RS_RUN/versions.txt"
}

# rs_job_start STAGE ROOT [CONFIG]: settings, run folder, records, program, launcher, signals.
rs_job_start() {
  RS_STAGE=$1
  trap 'rs_on_signal USR1' USR1
  trap 'rs_on_signal TERM' TERM
  rs_load_config "$2" "${3:-}"
  RS_ATTEMPT=${SLURM_RESTART_COUNT:-0}
  if [[ -n ${SLURM_ARRAY_JOB_ID:-} ]]; then
    RS_RUN_ID=${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}
  else
    RS_RUN_ID=${SLURM_JOB_ID:-local-$(date +%Y%m%d-%H%M%S)-$$}
  fi
  RS_RUN=${RS_RUN_DIR:-$RS_RUNS_DIR/$RS_STAGE-$RS_RUN_ID}
  mkdir -p "$RS_RUN" 2> /dev/null && [[ -w $RS_RUN ]] && touch "$RS_RUN/.writable" 2> /dev/null ||
    rs_die "cannot write the run folder $RS_RUN (RS_RUNS_DIR=$RS_RUNS_DIR from ${RS_FROM[RS_RUNS_DIR]})"
  rm -f "$RS_RUN/.writable"
  # A requeued job reads the config its first attempt copied, so that an edit in between cannot
  # change a run halfway.
  if [[ -n $RS_CONFIG ]]; then
    if [[ ! -f $RS_RUN/config.conf ]]; then
      cp "$RS_CONFIG" "$RS_RUN/config.conf"
    elif ! cmp -s "$RS_CONFIG" "$RS_RUN/config.conf"; then
      rs_say "$RS_CONFIG changed since this run started: using its copy $RS_RUN/config.conf"
      rs_load_config "$2" "$RS_RUN/config.conf"
    fi
  fi
  [[ -z ${SLURM_ARRAY_TASK_ID:-} ]] || rs_apply_array_task "$SLURM_ARRAY_TASK_ID"
  rs_require_int RS_TARGET_LEN RS_SEED RS_THREADS RS_MAX_REQUEUES
  ((RS_THREADS > 0)) || RS_THREADS=${SLURM_CPUS_PER_TASK:-1}
  export OMP_NUM_THREADS=$RS_THREADS
  rs_find_program
  rs_choose_launcher
  rs_write_settings "$RS_RUN/settings.conf"
  rs_write_versions
  scontrol show job -o "${SLURM_JOB_ID:-none}" > "$RS_RUN/job.txt" 2> /dev/null || rm -f "$RS_RUN/job.txt"
  rs_status "running (job ${SLURM_JOB_ID:-none}, host $(hostname))"
  rs_say "$RS_STAGE, attempt $RS_ATTEMPT, run folder $RS_RUN"
}

# rs_step DONE_FILE STDOUT_FILE ARGS...: runs `ropescale --log-level L ARGS` on every rank. A
# DONE_FILE that exists (written by an earlier attempt of this job) skips it. STDOUT_FILE ("-":
# the job log) gets the program's standard output when it succeeds. On the warning signal or the
# checkpointed exit code the job requeues itself (the next attempt resumes); on an error it ends
# with the program's exit code.
rs_step() {
  local done_file=$1 stdout=$2 rc=0 where=/dev/stdout
  shift 2
  if [[ -n $done_file && -e $done_file ]]; then
    rs_say "skip ropescale $1: $done_file exists (done by an earlier attempt)"
    return 0
  fi
  [[ $RS_STOP == USR1 ]] && rs_requeue "warning signal before ropescale $1"
  local command=("${RS_LAUNCH[@]}" "$RS_BIN" --log-level "$RS_LOG_LEVEL" "$@")
  {
    printf '%s attempt %s:' "$(rs_now)" "$RS_ATTEMPT"
    printf ' %q' "${command[@]}"
    echo
  } >> "$RS_RUN/commands.txt"
  [[ $stdout != - ]] && where=$stdout.tmp.$$
  "${command[@]}" > "$where" &
  RS_STEP_PID=$!
  while :; do
    rc=0
    wait "$RS_STEP_PID" || rc=$?
    # wait returns early (status > 128) when a trapped signal arrives: the step still runs.
    ((rc > 128)) && kill -0 "$RS_STEP_PID" 2> /dev/null && continue
    break
  done
  RS_STEP_PID=
  if ((rc == 0)); then
    [[ $stdout == - ]] || mv "$where" "$stdout"
    [[ -z $done_file || -e $done_file ]] && return 0
  fi
  [[ $stdout == - ]] || rm -f "$where"
  if [[ $RS_STOP == TERM ]]; then
    rs_status "stopped by SIGTERM (exit $rc)"
    rs_say "stopped by SIGTERM (cancelled, preempted or out of time); resume by hand:" \
      "RS_RUN_DIR=$RS_RUN sbatch ... (the same script and config)"
    exit "$((rc == 0 ? 1 : rc))"
  fi
  ((rc == RS_EXIT_CHECKPOINTED)) && rs_requeue "ropescale $1 checkpointed and stopped"
  [[ $RS_STOP == USR1 ]] && rs_requeue "ropescale $1 stopped by the warning signal (exit $rc)"
  if ((rc == 0)); then
    rs_say "ropescale $1 exited with 0 but wrote no $done_file"
    rc=1
  fi
  rs_status "failed: ropescale $1 exited with $rc"
  rs_say "failed: ropescale $1 exited with $rc (its message is above); run folder $RS_RUN"
  exit "$rc"
}

# rs_requeue WHY: puts this job back in the queue (the next attempt resumes in the same run
# folder) and ends this attempt; exit 75 outside Slurm or after RS_MAX_REQUEUES requeues.
rs_requeue() {
  if [[ -z ${SLURM_JOB_ID:-} ]]; then
    rs_status "stopped: $1"
    rs_say "$1: run the same command again with RS_RUN_DIR=$RS_RUN to resume"
    exit "$RS_EXIT_CHECKPOINTED"
  fi
  if ((RS_ATTEMPT >= RS_MAX_REQUEUES)); then
    rs_status "stopped: $1; requeued $RS_ATTEMPT times already (RS_MAX_REQUEUES)"
    rs_say "$1; not requeued again after $RS_ATTEMPT requeues (RS_MAX_REQUEUES);" \
      "resume by hand: RS_RUN_DIR=$RS_RUN sbatch ... (the same script and config)"
    exit "$RS_EXIT_CHECKPOINTED"
  fi
  rs_status "requeued: $1"
  rs_say "$1: requeueing job $SLURM_JOB_ID; attempt $((RS_ATTEMPT + 1)) resumes in $RS_RUN"
  if ! scontrol requeue "$SLURM_JOB_ID"; then
    rs_status "stopped: $1; scontrol requeue failed"
    rs_say "scontrol requeue failed: resume by hand: RS_RUN_DIR=$RS_RUN sbatch ..."
    exit "$RS_EXIT_CHECKPOINTED"
  fi
  exit 0
}

# rs_job_done RESULT...: the run's results, in the status file and the log.
rs_job_done() {
  rs_status "completed"
  rs_say "$RS_STAGE completed; results in $RS_RUN:"
  local result
  for result; do echo "  $result" >&2; done
}

# rs_words VALUE: prints VALUE's space-separated words one per line (extra-options keys).
rs_words() {
  local -a words
  read -ra words <<< "$1"
  ((${#words[@]} == 0)) || printf '%s\n' "${words[@]}"
}
