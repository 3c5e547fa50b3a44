#!/usr/bin/env bash
# Training tokens per second of `ropescale train` (the mixed batch: long rows of 8L on the
# rescaled RoPE, short rows of L packed, half the tokens each) for 1 and 2 MPI ranks with one
# thread per rank, and the scaling efficiency rate(K) / (K * rate(1)). The global batch is the
# same for every K (that is the point of data parallelism), so the runs do the same work.
# Usage: bench/train_scaling.sh [ropescale binary] [ranks...]
# Environment: MODEL (default data/tiny-llama.h5), STEPS (default 12), G (global batch tokens,
# default 8192), PEER_PYTHON (a python3 with torch and transformers: then the same step in
# PyTorch, bench/train_step_pytorch.py, runs in the same session with as many threads, and both
# peak RSS are printed).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/bin/ropescale}
shift || true
ranks=("${@:-1 2}")
read -r -a ranks <<< "${ranks[*]}"
source "$here/env/mpi-env.sh"
work=$(mktemp -d /tmp/ropescale-train-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
model=${MODEL:-$here/data/tiny-llama.h5}
steps=${STEPS:-12}
global=${G:-8192}
# A longrope block with the PI factors (the factors do not change the cost).
cat > "$work/factors.json" <<'JSON'
{"rope_type": "longrope", "factor": 8.0, "original_max_position_embeddings": 256,
 "short_factor": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],
 "long_factor": [8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8]}
JSON
echo "cores: $(nproc), model: $model, $global tokens a step (long rows 2048, short rows 256, share 0.5), $steps steps"
echo "| ranks | threads/rank | tokens/s | efficiency | final loss |"
echo "|---|---|---|---|---|"
base=""
for k in "${ranks[@]}"; do
  OMP_NUM_THREADS=1 mpiexec -n "$k" "$bin" --log-level warn train --model "$model" \
    --data "$here/data/corpus/train" --factors "$work/factors.json" --out "$work/m$k.h5" \
    --global-batch-tokens "$global" --steps "$steps" --warmup 2 --lr 5e-4 --threads 1 --json \
    > "$work/r$k.json"
  rate=$(python3 -c "import json,sys; print('%.0f' % json.load(open(sys.argv[1]))['tokens_per_s'])" "$work/r$k.json")
  loss=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('%.4f / %.4f' % (d['short_loss'], d['long_loss']))" "$work/r$k.json")
  [[ -z $base ]] && base=$rate
  eff=$(awk -v r="$rate" -v b="$base" -v k="$k" 'BEGIN {printf "%.0f%%", 100 * r / (k * b)}')
  echo "| $k | 1 | $rate | $eff | $loss |"
done
# For comparison: one rank using every core with OpenMP threads instead of ranks.
cores=$(nproc)
OMP_NUM_THREADS=$cores "$bin" --log-level warn train --model "$model" \
  --data "$here/data/corpus/train" --factors "$work/factors.json" --out "$work/t.h5" \
  --global-batch-tokens "$global" --steps "$steps" --warmup 2 --lr 5e-4 --threads "$cores" --json \
  > "$work/t.json"
rate=$(python3 -c "import json,sys; print('%.0f' % json.load(open(sys.argv[1]))['tokens_per_s'])" "$work/t.json")
eff=$(awk -v r="$rate" -v b="$base" -v k="$cores" 'BEGIN {printf "%.0f%%", 100 * r / (k * b)}')
echo "| 1 | $cores | $rate | $eff | (threads, not ranks) |"
if [[ -n ${PEER_PYTHON:-} ]]; then
  rss() { awk '/Maximum resident/{print int($6 / 1024)}' "$1"; }
  OMP_NUM_THREADS=$cores /usr/bin/time -v "$bin" --log-level warn train --model "$model" \
    --data "$here/data/corpus/train" --factors "$work/factors.json" --out "$work/p.h5" \
    --global-batch-tokens 8192 --steps "$steps" --warmup 2 --lr 5e-4 --threads "$cores" --json \
    > "$work/p.json" 2> "$work/p.time"
  ours=$(python3 -c "import json,sys; print('%.0f' % json.load(open(sys.argv[1]))['tokens_per_s'])" "$work/p.json")
  /usr/bin/time -v "$PEER_PYTHON" "$here/bench/train_step_pytorch.py" --threads "$cores" \
    --steps "$steps" > "$work/peer.txt" 2> "$work/peer.time"
  peer=$(sed -n 's/.*: \([0-9]*\) tokens\/s.*/\1/p' "$work/peer.txt")
  echo
  echo "| one process, $cores threads | tokens/s | peak RSS MB |"
  echo "|---|---|---|"
  echo "| ropescale train | $ours | $(rss "$work/p.time") |"
  echo "| $(cut -d, -f1 "$work/peer.txt") | $peer | $(rss "$work/peer.time") |"
  awk -v a="$ours" -v b="$peer" 'BEGIN {printf "speed ratio ropescale / pytorch: %.2fx\n", a / b}'
fi
