#!/usr/bin/env bash
# Dynamic load balance of `ropescale search`: 2 ranks pinned to cores 0 and 1, once on a quiet
# machine and once with a CPU hog sharing core 1 (rank 1 then runs at about half speed, like a
# slower node). With dynamic assignment rank 0 should take about 2/3 of the tasks and the
# wall time should grow by about 4/3 (a static half/half split would double it).
# Needs 2+ cores and taskset. Usage: bench/search_load_balance.sh [ropescale binary]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/bin/ropescale}
source "$here/env/mpi-env.sh"
work=$(mktemp -d /tmp/ropescale-balance.XXXXXX)
hog=""
trap '[[ -n $hog ]] && kill $hog 2>/dev/null; rm -rf "$work"' EXIT

"$bin" --log-level warn pretrain --corpus "$here/data/corpus/heldout" --out "$work/model.h5" \
  --hidden 64 --layers 2 --heads 4 --kv-heads 4 --ffn 192 --context 64 --batch 2 --steps 1 \
  --warmup 1 --threads 1 > /dev/null

run() {
  local start end
  start=$(date +%s.%N)
  OMP_NUM_THREADS=1 mpirun -np 2 --bind-to core --map-by core "$bin" --log-level debug search \
    --model "$work/model.h5" --corpus "$here/data/corpus/heldout" --method longrope2 --seed 1 \
    --population 24 --generations 6 --documents 8 --threads 1 --out "$work/f$1.json" \
    > /dev/null 2> "$work/log$1.txt"
  end=$(date +%s.%N)
  local tasks
  tasks=$(sed -n 's/.*tasks per rank: \(.*\)/\1/p' "$work/log$1.txt" |
    awk '{a += $1; b += $2} END {printf "%d / %d", a, b}')
  printf '| %s | %s | %.1f |\n' "$1" "$tasks" "$(awk -v s="$start" -v e="$end" 'BEGIN {print e - s}')"
}

echo "| run | tasks rank 0 / rank 1 | wall s |"
echo "|---|---|---|"
run quiet
taskset -c 1 sh -c 'while :; do :; done' &
hog=$!
run "hog-on-core-1"
cmp "$work/fquiet.json" "$work/fhog-on-core-1.json" && echo "same factors with and without the hog"
