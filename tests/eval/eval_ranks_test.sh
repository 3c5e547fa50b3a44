#!/usr/bin/env bash
# `ropescale eval ppl` and `ropescale eval passkey` alone and under mpiexec -n 1, 2, 4: the
# "results" are identical to the last bit (JSON numbers print round-trip exact) and the inputs
# differ only in the rank count; only rank 0 prints (stdout is one JSON document).
set -euo pipefail
bin=${ROPESCALE_BIN:?}
src=${ROPESCALE_SOURCE_DIR:?}
source "$src/env/mpi-env.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=$src/data/corpus/heldout

"$bin" --log-level warn pretrain --corpus "$src/data/corpus/train" --out "$work/m.h5" \
  --hidden 16 --layers 1 --heads 2 --kv-heads 2 --ffn 32 --context 128 --batch 2 --steps 2 \
  --warmup 1 --threads 1 > /dev/null
ppl=(--log-level warn eval ppl --model "$work/m.h5" --corpus "$corpus" --lengths 180,256 --docs 5
     --needle --retrieval --batch 2 --threads 1 --json)
passkey=(--log-level warn eval passkey --model "$work/m.h5" --corpus "$corpus" --lengths 200,256
         --docs 5 --depths 0,0.5,1 --formats passkey,magic-number --ropes model,pi,yarn
         --threads 1 --json)

"$bin" "${ppl[@]}" > "$work/ppl-single.json"
"$bin" "${passkey[@]}" > "$work/passkey-single.json"
for n in 1 2 4; do
  mpiexec -n "$n" "$bin" "${ppl[@]}" > "$work/ppl-np$n.json"
  mpiexec -n "$n" "$bin" "${passkey[@]}" > "$work/passkey-np$n.json"
  for command in ppl passkey; do
    python3 - "$work/$command-single.json" "$work/$command-np$n.json" "$n" <<'PY'
import json, sys
single, multi, n = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
if json.dumps(single["results"]) != json.dumps(multi["results"]):
    sys.exit(f"FAIL: {sys.argv[2]}: results differ from the single process")
assert multi["inputs"]["ranks"] == n and single["inputs"]["ranks"] == 1
single["inputs"].pop("ranks"); multi["inputs"].pop("ranks")
assert single["inputs"] == multi["inputs"], (single["inputs"], multi["inputs"])
PY
  done
done
echo "eval ranks: ok"
