#!/usr/bin/env bash
# A single-node Slurm cluster on this machine (munged, slurmctld, slurmd; no systemd), for the
# tests and for trying the job scripts in jobs/. Everything it makes lives in one folder.
#
#   bash env/local-slurm.sh start        start it (no-op when it runs); prints `export SLURM_CONF=...`
#   bash env/local-slurm.sh stop         cancel every job, stop the three daemons it started
#   bash env/local-slurm.sh status       the daemons and the node; exit 0 when it can run jobs
#   bash env/local-slurm.sh env          prints `export SLURM_CONF=...` (use: eval "$(... env)")
#   bash env/local-slurm.sh wait ID [S]  wait (at most S seconds, default 600) until job ID ends;
#                                        exit 0 if it COMPLETED, else its exit code (1 if none)
#
# Environment: LOCAL_SLURM_DIR (the folder, default /tmp/ropescale-slurm; keep it short, the munge
# socket path must stay under 108 bytes), LOCAL_SLURM_PORT (slurmctld's port, slurmd takes the
# next one; default 6817; `auto`: the first free pair from 16817 on), LOCAL_SLURM_CPUS (CPUs the
# node declares, default the machine's cores; more than that is allowed).
# Needs Slurm's Debian packages (bash env/install-deps.sh). Runs as root (CI) or as a user: the
# daemons and jobs then run as that user, and munged wants LOCAL_SLURM_DIR in a folder of the
# user's that others cannot write.
set -euo pipefail

dir=${LOCAL_SLURM_DIR:-/tmp/ropescale-slurm}
conf=$dir/etc/slurm.conf
socket=$dir/run/munge.socket
daemons=(munged slurmctld slurmd)

say() { echo "local-slurm: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}
slurm() { SLURM_CONF=$conf "$@"; }

pid_file() { echo "$dir/run/$1.pid"; }
# A recorded daemon counts as running when its process lives (a zombie does not: PID 1 here may
# reap late) and its command line names our folder (a recycled PID does not).
alive() {
  local file pid state
  file=$(pid_file "$1")
  [[ -s $file ]] || return 1
  pid=$(< "$file")
  [[ -r /proc/$pid/stat ]] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1)
  [[ $state != Z && $state != X ]]
}
running() {
  alive "$1" && { tr '\0' ' ' < "/proc/$(< "$(pid_file "$1")")/cmdline"; } 2> /dev/null | grep -qF -- "$dir"
}
# Foreground-mode daemon in its own session, with no terminal or pipe of the caller kept open.
spawn() {
  local name=$1
  shift
  setsid "$@" < /dev/null >> "$dir/log/$name.out" 2>&1 &
  echo $! > "$(pid_file "$name")"
}
stop_daemon() {
  local name=$1 pid
  if running "$name"; then
    pid=$(< "$(pid_file "$name")")
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 50); do running "$name" || break; sleep 0.1; done
    if running "$name"; then kill -KILL "$pid" 2> /dev/null || true; fi
  fi
  rm -f "$(pid_file "$name")"
}
# Runs "$@" every 0.2 s until it succeeds (return 0), the daemon $1 dies or $2 seconds pass.
# (alive, not running: just after the fork the process is not yet the daemon.)
wait_for() {
  local name=$1 seconds=$2
  shift 2
  for _ in $(seq $((seconds * 5))); do
    "$@" > /dev/null 2>&1 && return 0
    alive "$name" || return 1
    sleep 0.2
  done
  return 1
}
port_free() { ! (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
node_ready() {
  local state
  state=$(slurm sinfo -h -N -o %t 2> /dev/null) || return 1
  [[ $state == idle || $state == alloc || $state == mix ]]
}
ctld_port() { sed -n 's/^SlurmctldPort=//p' "$conf" 2> /dev/null; }

choose_port() {
  local port=${LOCAL_SLURM_PORT:-6817}
  if [[ $port == auto ]]; then
    for port in $(seq 16817 4 17817); do
      port_free "$port" && port_free $((port + 1)) && break
    done
  fi
  [[ $port =~ ^[0-9]+$ ]] || die "LOCAL_SLURM_PORT=$port: expected a port number or auto"
  port_free "$port" && port_free $((port + 1)) ||
    die "port $port or $((port + 1)) is in use (another Slurm?); set LOCAL_SLURM_PORT (or auto)"
  echo "$port"
}

write_conf() {
  local port=$1 user pmix=none
  user=$(id -un)
  # Slurm's pmix plugin opens this library (package libpmix-dev, which libopenmpi-dev pulls in).
  [[ -e /usr/lib/x86_64-linux-gnu/pmix2/lib/libpmix.so ]] && pmix=pmix
  cat > "$conf.tmp" << EOF
# Made by env/local-slurm.sh: one node, no systemd, no cgroups, no accounting database.
ClusterName=ropescale-local
SlurmctldHost=localhost
SlurmUser=$user
SlurmdUser=$user
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
# cred_expire is also how long a requeued job waits before it may start again (default 120 s).
AuthInfo=socket=$socket,cred_expire=5
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.daemon.pid
SlurmdPidFile=$dir/run/slurmd.daemon.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
TmpFS=$dir/tmp
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# Every finished job (state, exit code) also lands here, since sacct has no database.
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SchedulerType=sched/backfill
# Schedule at once: a batch job starts within a second, a requeued one as soon as it may.
SchedulerParameters=batch_sched_delay=0,sched_interval=1,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
MpiDefault=$pmix
MailProg=/bin/true
ReturnToService=2
KillWait=5
InactiveLimit=0
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=${LOCAL_SLURM_CPUS:-$(nproc)} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  mv "$conf.tmp" "$conf"
}

start() {
  if running munged && running slurmctld && running slurmd && node_ready; then
    say "already running ($conf)"
    echo "export SLURM_CONF=$conf"
    return
  fi
  local program port
  for program in munged mungekey slurmctld slurmd sbatch scontrol; do
    command -v "$program" > /dev/null ||
      die "$program not found: install Slurm with bash env/install-deps.sh"
  done
  ((${#socket} < 100)) || die "LOCAL_SLURM_DIR=$dir is too long for the munge socket path"
  local folder=$dir
  while [[ $folder == /* && $folder != / ]]; do
    # munged refuses a socket below a folder that not everyone may enter.
    [[ ! -d $folder || $(stat -c %A "$folder") == *[xt] ]] ||
      die "munged needs every folder above its socket open to all: chmod o+x $folder"
    folder=$(dirname "$folder")
  done
  stop_all quiet # whatever an earlier start left half-running
  port=$(choose_port)
  rm -rf "$dir/state" "$dir/spool" "$dir/tmp"
  mkdir -p "$dir"/{etc,run,log,munge,state,spool,tmp}
  : > "$dir/log/slurmctld.log"
  : > "$dir/log/slurmd.log"
  write_conf "$port"
  trap 'stop_all quiet' EXIT # a failed start leaves nothing running
  [[ -s $dir/munge/munge.key ]] || mungekey -c -k "$dir/munge/munge.key" -b 1024
  chmod 700 "$dir/munge"
  chmod 755 "$dir/run" # munged wants its socket folder open to all
  chmod 400 "$dir/munge/munge.key"

  spawn munged munged -F --key-file="$dir/munge/munge.key" --socket="$socket" \
    --pid-file="$dir/run/munged.daemon.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed"
  wait_for munged 15 sh -c "munge -S '$socket' -n | unmunge -S '$socket'" ||
    die "munged did not start: $(tail -n 3 "$dir/log/munged.out")"
  spawn slurmctld slurmctld -D -f "$conf"
  wait_for slurmctld 30 sh -c "SLURM_CONF='$conf' scontrol ping | grep -q UP" ||
    die "slurmctld did not start: $(grep -h -E 'error|fatal' "$dir/log/slurmctld.out" | grep -v 'state file' | tail -n 3)"
  spawn slurmd slurmd -D -f "$conf" -N localhost
  wait_for slurmd 60 node_ready ||
    die "the node is not idle: $(slurm sinfo -N -o '%N %t %E' 2>&1; tail -n 3 "$dir/log/slurmd.out")"
  trap - EXIT
  say "up: 1 node, ${LOCAL_SLURM_CPUS:-$(nproc)} CPUs, port $port, folder $dir"
  echo "export SLURM_CONF=$conf"
}

stop_all() {
  local ids
  if running slurmctld; then
    # No job process may outlive the cluster: cancel them all and wait until they are gone.
    ids=$(slurm squeue -h -o %A 2> /dev/null || true)
    if [[ -n $ids ]]; then
      # shellcheck disable=SC2086  # one job id per word
      slurm scancel $ids 2> /dev/null || true
      for _ in $(seq 75); do [[ -z $(slurm squeue -h -o %A 2> /dev/null) ]] && break; sleep 0.2; done
    fi
  fi
  for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do stop_daemon "${daemons[i]}"; done
  rm -f "$socket" "$socket.lock"
  [[ ${1:-} == quiet ]] || say "stopped ($dir)"
}

status() {
  local name rc=0
  for name in "${daemons[@]}"; do
    if running "$name"; then
      echo "$name: running (pid $(< "$(pid_file "$name")"))"
    else
      echo "$name: not running"
      rc=1
    fi
  done
  # (A client asking a dead controller retries for about 10 s: only ask a live one.)
  if running slurmctld; then
    echo "SLURM_CONF=$conf (port $(ctld_port))"
    slurm sinfo -N
    node_ready || rc=1
  fi
  return $rc
}

wait_job() {
  local id=${1:?wait: job id} seconds=${2:-600} line state code
  [[ $id =~ ^[0-9]+$ ]] || die "wait: '$id' is not a job id"
  for _ in $(seq $((seconds * 5))); do
    line=$(slurm scontrol show job -o "$id" 2> /dev/null) || die "wait: no job $id"
    state=$(grep -o 'JobState=[A-Z_]*' <<< "$line" | cut -d= -f2)
    case $state in
      COMPLETED) return 0 ;;
      FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
        code=$(grep -o ' ExitCode=[0-9]*' <<< "$line" | cut -d= -f2)
        say "job $id ended $state, exit code ${code:-?}"
        return $((${code:-0} == 0 ? 1 : code))
        ;;
    esac
    sleep 0.2
  done
  say "job $id still $state after ${seconds}s"
  return 124
}

case ${1:-} in
  start) start ;;
  stop) stop_all ;;
  status) status ;;
  env) echo "export SLURM_CONF=$conf" ;;
  wait)
    shift
    wait_job "$@"
    ;;
  *)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
