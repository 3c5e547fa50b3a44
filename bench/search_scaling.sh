#!/usr/bin/env bash
# Candidates evaluated per second by `ropescale search` for 1, 2 and 4 MPI ranks on this
# machine, and the scaling efficiency rate(K) / (K * rate(1)). Uses a tiny model made on the
# spot (`ropescale pretrain --steps 1`), so the figures measure the distribution, not a model.
# Usage: bench/search_scaling.sh [ropescale binary] [ranks...]
# MODEL=data/tiny-llama.h5 measures the embedded model instead (window 256 -> target 2048).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/bin/ropescale}
shift || true
ranks=("${@:-1 2 4}")
read -r -a ranks <<< "${ranks[*]}"
source "$here/env/mpi-env.sh"
work=$(mktemp -d /tmp/ropescale-search-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [[ -n ${MODEL:-} ]]; then
  cp "$MODEL" "$work/model.h5"
  echo "cores: $(nproc), model: $MODEL (8x its window), 4 needle documents"
else
  "$bin" --log-level warn pretrain --corpus "$here/data/corpus/heldout" --out "$work/model.h5" \
    --hidden 64 --layers 2 --heads 4 --kv-heads 4 --ffn 192 --context 64 --batch 2 --steps 1 \
    --warmup 1 --threads 1 > /dev/null
  echo "cores: $(nproc), model: hidden 64, 2 layers, window 64 -> target 512, 4 needle documents"
fi
echo "| ranks | candidates | eval seconds | candidates/s | efficiency |"
echo "|---|---|---|---|---|"
base=""
for k in "${ranks[@]}"; do
  mpiexec -n "$k" "$bin" search --model "$work/model.h5" --corpus "$here/data/corpus/heldout" \
    --method longrope2 --seed 1 --population 16 --generations 3 --documents 4 --threads 1 \
    --out "$work/f$k.json" > /dev/null 2> "$work/log$k.txt"
  # Progress lines: "... N candidates in T s ..." per generation.
  read -r n t < <(sed -n 's/.* \([0-9]*\) candidates in \([0-9.]*\) s.*/\1 \2/p' "$work/log$k.txt" |
    awk '{n += $1; t += $2} END {print n, t}')
  rate=$(awk -v n="$n" -v t="$t" 'BEGIN {printf "%.2f", n / t}')
  [[ -z $base ]] && base=$rate
  eff=$(awk -v r="$rate" -v b="$base" -v k="$k" 'BEGIN {printf "%.0f%%", 100 * r / (k * b)}')
  echo "| $k | $n | $t | $rate | $eff |"
  cmp "$work/f${ranks[0]}.json" "$work/f$k.json" || echo "WARNING: --out differs for $k ranks"
done
