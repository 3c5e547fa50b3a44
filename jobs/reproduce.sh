#!/usr/bin/env bash
# The small-scale reproduction of LongRoPE / LongRoPE2 (docs/reproduction.md), end to end on the
# CPU: every number and plot of that page comes from this script.
#
# Base model: the embedded tiny model (data/tiny-llama.h5, context L = 256). Target: 8x (2048).
#  1. without training: original, PI, NTK, YaRN (made from the base RoPE), a LongRoPE search and a
#     LongRoPE2 search (needle-driven fitness, MPI ranks); a sweep of LongRoPE2's critical index
#     around the theoretical one (the searched critical dimension against the theoretical one);
#  2. with the same token budget: PI-FT and YaRN-FT (`train --mix off`, every row on that RoPE)
#     and LongRoPE2 search + mixed context window training (short rows on the original RoPE, long
#     rows on the searched one);
#  3. evaluation of all nine on held-out plays: perplexity at 256..2048, greedy pass-key retrieval
#     at 256 and 2048 (passkey and magic-number formats), the needle grid (lengths x depths);
#  4. the table (reproduction.md), the plots (PNG) and the sweep table, in $OUT_DIR.
#
# Environment: OUT_DIR (runs/reproduction), RANKS (MPI ranks, nproc), TRAIN_STEPS (300: 2.5M
# tokens per fine-tuning), POPULATION (24), GENERATIONS (8), SEARCH_DOCS (16), DOCS (retrieval
# documents per cell, 100), PPL_DOCS (perplexity windows per length, 32), GRID_DOCS (documents per
# heat-map cell, 20), SWEEP (1: run the critical-index sweep), PYTHON (/usr/bin/python3, needs
# matplotlib), BUILD_DIR, ROPESCALE_BIN (use this program, skip the build).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
out=${OUT_DIR:-$root/runs/reproduction}
ranks=${RANKS:-$(nproc)}
train_steps=${TRAIN_STEPS:-300}
population=${POPULATION:-24}
generations=${GENERATIONS:-8}
search_docs=${SEARCH_DOCS:-16}
docs=${DOCS:-100}
ppl_docs=${PPL_DOCS:-32}
grid_docs=${GRID_DOCS:-20}
sweep=${SWEEP:-1}
python=${PYTHON:-/usr/bin/python3}
"$python" -c "import matplotlib" 2>/dev/null ||
  { echo "reproduce: $python has no matplotlib (bash env/install-deps.sh)" >&2; exit 1; }

# shellcheck source=ropescale-bin.sh
source "$root/jobs/ropescale-bin.sh" "$build_dir" "$root"
mkdir -p "$out"
model=$root/data/tiny-llama.h5
heldout=$root/data/corpus/heldout
train_data=$root/data/corpus/train
# shellcheck source=../env/mpi-env.sh
source "$root/env/mpi-env.sh"
start=$SECONDS
run() { OMP_NUM_THREADS=1 mpirun -np "$ranks" "$bin" --log-level warn "$@"; }
stage() { echo "== [$(( (SECONDS - start) / 60 )) min] $*" >&2; }

stage "1/4 searches for 2048 (population $population, $generations generations, $search_docs documents)"
for method in longrope longrope2; do
  run search --model "$model" --corpus "$heldout" --method "$method" --seed 1 \
    --population "$population" --generations "$generations" --documents "$search_docs" \
    --out "$out/factors-$method.json" --out-model "$out/$method.h5" \
    --log "$out/search-$method.h5" >"$out/search-$method.json"
done
if [[ "$sweep" == 1 ]]; then
  theoretical=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['critical_index'])" \
    "$out/search-longrope2.json")
  for index in $(seq $((theoretical - 2)) $((theoretical + 2))); do
    stage "   critical-index sweep: $index (theoretical $theoretical)"
    run search --model "$model" --corpus "$heldout" --method longrope2 --seed 1 \
      --critical-index "$index" --population "$population" --generations "$generations" \
      --documents "$search_docs" --out "$out/sweep-$index.factors.json" >"$out/sweep-$index.json"
  done
fi

stage "2/4 fine-tuning, $train_steps steps of 8192 tokens each (PI-FT, YaRN-FT, LongRoPE2 mixed)"
common=(--data "$train_data" --short-len 256 --long-len 2048 --long-token-share 0.5
  --global-batch-tokens 8192 --steps "$train_steps" --lr 5e-4 --warmup 20 --seed 1
  --passkey-fraction 0.5 --answer-weight 3 --needle-formats passkey,magic-number --threads 1
  --log-every 60)
run train --model "$model" --mix off --rope pi --out "$out/pi-ft.h5" "${common[@]}" >/dev/null
run train --model "$model" --mix off --rope yarn --out "$out/yarn-ft.h5" "${common[@]}" >/dev/null
run train --model "$model" --factors "$out/factors-longrope2.json" \
  --out "$out/longrope2-mixed.h5" "${common[@]}" >/dev/null

stage "3/4 evaluation: perplexity ($ppl_docs windows), retrieval ($docs documents), grid ($grid_docs)"
extended=("$out/longrope.h5" "$out/longrope2.h5" "$out/pi-ft.h5" "$out/yarn-ft.h5"
  "$out/longrope2-mixed.h5")
models=()
for m in "${extended[@]}"; do models+=(--model "$m"); done
run eval ppl --model "$model" --corpus "$heldout" --ropes original,pi,ntk,yarn \
  --lengths 256,512,1024,2048 --target-length 2048 --docs "$ppl_docs" --json --out "$out/ppl-base.json" >/dev/null
run eval ppl "${models[@]}" --corpus "$heldout" --ropes model \
  --lengths 256,512,1024,2048 --docs "$ppl_docs" --json --out "$out/ppl-extended.json" >/dev/null
for format in passkey magic-number; do
  run eval passkey --model "$model" --corpus "$heldout" --ropes original,pi,ntk,yarn \
    --lengths 256,2048 --target-length 2048 --docs "$docs" --formats "$format" --json \
    --out "$out/$format-base.json" >/dev/null
  run eval passkey "${models[@]}" --corpus "$heldout" --ropes model --lengths 256,2048 \
    --docs "$docs" --formats "$format" --json --out "$out/$format-extended.json" >/dev/null
done
grid=(--lengths 256,512,1024,2048 --depths 0,0.25,0.5,0.75,1 --docs "$grid_docs" --formats passkey)
run eval passkey --model "$model" --corpus "$heldout" --ropes yarn --target-length 2048 \
  "${grid[@]}" --json --out "$out/grid-base.json" >/dev/null
run eval passkey --model "$out/longrope2.h5" --model "$out/yarn-ft.h5" \
  --model "$out/longrope2-mixed.h5" --corpus "$heldout" --ropes model "${grid[@]}" --json \
  --out "$out/grid-extended.json" >/dev/null

stage "4/4 tables and plots"
labels=(--label "$model=base" --label "$out/longrope.h5=LongRoPE search"
  --label "$out/longrope2.h5=LongRoPE2 search" --label "$out/pi-ft.h5=PI-FT"
  --label "$out/yarn-ft.h5=YaRN-FT" --label "$out/longrope2-mixed.h5=LongRoPE2 + mixed")
"$python" "$root/jobs/plot_eval.py" --ppl "$out/ppl-base.json" --ppl "$out/ppl-extended.json" \
  --passkey "$out/passkey-base.json" --passkey "$out/passkey-extended.json" \
  --passkey "$out/magic-number-base.json" --passkey "$out/magic-number-extended.json" \
  --out-dir "$out" "${labels[@]}" >/dev/null
mkdir -p "$out/grid"
"$python" "$root/jobs/plot_eval.py" --passkey "$out/grid-base.json" \
  --passkey "$out/grid-extended.json" --out-dir "$out/grid" "${labels[@]}" >/dev/null
mv "$out/grid/needle-heatmap.png" "$out/needle-heatmap.png"
methods=("original, no training=$model:original" "PI, no training=$model:pi"
  "NTK, no training=$model:ntk" "YaRN, no training=$model:yarn"
  "LongRoPE search, no training=$out/longrope.h5:model"
  "LongRoPE2 search, no training=$out/longrope2.h5:model"
  "PI-FT=$out/pi-ft.h5:model" "YaRN-FT=$out/yarn-ft.h5:model"
  "LongRoPE2 search + mixed training=$out/longrope2-mixed.h5:model")
for format in passkey magic-number; do
  "$python" "$root/jobs/reproduction_table.py" --short 256 --long 2048 --base "$model:original" \
    --format "$format" --ppl "$out/ppl-base.json" --ppl "$out/ppl-extended.json" \
    --passkey "$out/$format-base.json" --passkey "$out/$format-extended.json" "${methods[@]}" \
    >"$out/table-$format.md"
done
if [[ "$sweep" == 1 ]]; then
  "$python" - "$out" "$theoretical" >"$out/critical-index-sweep.md" <<'PY'
import glob, json, os, sys
out, theoretical = sys.argv[1], int(sys.argv[2])
print("| critical index | critical dim (rotary dims) | best fitness (needle loss) | |")
print("|---|---|---|---|")
rows = []
for path in glob.glob(os.path.join(out, "sweep-*.json")):
    if path.endswith(".factors.json"):
        continue
    r = json.load(open(path))
    rows.append((r["critical_index"], r["best"]["fitness"]))
best = min(rows, key=lambda r: r[1])[0]
for index, fitness in sorted(rows):
    notes = []
    if index == theoretical:
        notes.append("theoretical")
    if index == best:
        notes.append("best")
    print(f"| {index} | {2 * index} | {fitness:.4f} | {', '.join(notes)} |")
PY
fi
cat "$out/table-passkey.md"
echo
echo "reproduction: $(( (SECONDS - start) / 60 )) min on $ranks rank(s); tables, JSONs and PNGs in $out" >&2
