#!/usr/bin/env bash
# One MPI rank, one GPU: runs "$@" with CUDA_VISIBLE_DEVICES set to the GPU of this rank's index
# on its node (SLURM_LOCALID under srun, OMPI_COMM_WORLD_LOCAL_RANK under mpirun) among the node's
# GPUs that Slurm names (CUDA_VISIBLE_DEVICES, else SLURM_STEP_GPUS, else SLURM_JOB_GPUS). A rank
# that Slurm already gave a single GPU (--gpus-per-task=1, --gpu-bind) keeps it. The job scripts
# put it in front of ropescale when RS_BACKEND=cuda; ropescale then uses device 0.
set -euo pipefail
rank=${SLURM_LOCALID:-${OMPI_COMM_WORLD_LOCAL_RANK:-0}}
gpus=${CUDA_VISIBLE_DEVICES:-${SLURM_STEP_GPUS:-${SLURM_JOB_GPUS:-}}}
IFS=, read -ra list <<< "$gpus"
if ((${#list[@]} == 0)); then
  echo "bind-gpu: no GPU for this rank on $(hostname): the job has none (ask for them with" \
    "--gpus-per-node, RS_GPUS_PER_NODE)" >&2
  exit 1
fi
if ((${#list[@]} > 1)); then
  if ((rank >= ${#list[@]})); then
    echo "bind-gpu: local rank $rank but ${#list[@]} GPUs ($gpus) on $(hostname): run one rank" \
      "per GPU (--ntasks-per-node = --gpus-per-node)" >&2
    exit 1
  fi
  list=("${list[rank]}")
fi
export CUDA_VISIBLE_DEVICES=${list[0]}
exec "$@"
