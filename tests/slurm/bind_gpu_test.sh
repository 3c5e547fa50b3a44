#!/usr/bin/env bash
# jobs/slurm/bind-gpu.sh: each rank gets the GPU of its local index among the node's GPUs that
# Slurm names (CUDA_VISIBLE_DEVICES, else SLURM_STEP_GPUS, else SLURM_JOB_GPUS), keeps a GPU that
# Slurm already bound to it alone, and fails clearly without a GPU for it.
set -euo pipefail
: "${ROPESCALE_SOURCE_DIR:?set ROPESCALE_SOURCE_DIR to the source tree}"
bind=$ROPESCALE_SOURCE_DIR/jobs/slurm/bind-gpu.sh
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# gpu VAR=value...: the CUDA_VISIBLE_DEVICES the wrapped program sees.
gpu() { env -u CUDA_VISIBLE_DEVICES -u SLURM_STEP_GPUS -u SLURM_JOB_GPUS -u SLURM_LOCALID \
  -u OMPI_COMM_WORLD_LOCAL_RANK "$@" "$bind" sh -c 'echo "$CUDA_VISIBLE_DEVICES"' 2> /dev/null; }
expect() { [[ $1 == "$2" ]] || fail "got '$1', expected '$2'"; }

expect "$(gpu SLURM_LOCALID=1 CUDA_VISIBLE_DEVICES=4,5,6,7)" 5
expect "$(gpu SLURM_LOCALID=3 CUDA_VISIBLE_DEVICES=4,5,6,7)" 7
expect "$(gpu SLURM_LOCALID=2 CUDA_VISIBLE_DEVICES=3)" 3
expect "$(gpu SLURM_LOCALID=0 SLURM_STEP_GPUS=2,3 SLURM_JOB_GPUS=0,1,2,3)" 2
expect "$(gpu OMPI_COMM_WORLD_LOCAL_RANK=1 SLURM_JOB_GPUS=0,1)" 1
if gpu SLURM_LOCALID=0 > /dev/null; then fail "no GPU accepted"; fi
# message VAR=value...: what the wrapper says (it must fail).
message() {
  if env -u CUDA_VISIBLE_DEVICES -u SLURM_STEP_GPUS -u SLURM_JOB_GPUS "$@" "$bind" true 2>&1; then
    echo "(succeeded)"
  fi
}
message SLURM_LOCALID=0 | grep -q "no GPU for this rank" || fail "no message without a GPU"
message SLURM_LOCALID=2 CUDA_VISIBLE_DEVICES=0,1 | grep -q "local rank 2 but 2 GPUs (0,1)" ||
  fail "no message for more ranks than GPUs"
rc=0
CUDA_VISIBLE_DEVICES=0 "$bind" sh -c 'exit 3' || rc=$?
expect "$rc" 3 # the program's exit code comes through
echo "bind-gpu: ranks bound as expected"
