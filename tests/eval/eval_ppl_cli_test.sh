#!/usr/bin/env bash
# `ropescale pretrain` then `ropescale eval ppl` end to end on a tiny model: the JSON has one
# result per RoPE x length with sane numbers, the table has one row per RoPE, and errors are one
# line with exit code 1.
set -euo pipefail
bin=${ROPESCALE_BIN:?}
src=${ROPESCALE_SOURCE_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" pretrain --help | grep -q -- "--passkey-fraction FLOAT=0.5"
"$bin" eval ppl --help | grep -q -- "--lengths TEXT=256,2048"

"$bin" pretrain --corpus "$src/data/corpus/train" --out "$work/m.h5" --hidden 16 --layers 1 \
  --heads 2 --kv-heads 2 --ffn 32 --context 128 --batch 2 --steps 3 --warmup 1 --threads 1 \
  --json > "$work/pretrain.json" 2> "$work/pretrain.log"
python3 - "$work/pretrain.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
assert out["steps"] == 3 and out["tokens_seen"] == 3 * 2 * 128, out
PY

"$bin" eval ppl --model "$work/m.h5" --corpus "$src/data/corpus/heldout" --lengths 128,256 \
  --docs 2 --needle --retrieval --threads 1 --json > "$work/eval.json" 2> "$work/eval.log"
python3 - "$work/eval.json" <<'PY'
import json, math, sys
out = json.load(open(sys.argv[1]))
assert out["target_length"] == 256 and out["pretraining_context"] == 128, out
cells = {(r["rope"], r["length"]): r for r in out["results"]}
assert set(cells) == {(r, n) for r in ("original", "pi", "ntk", "yarn") for n in (128, 256)}
for (rope, length), r in cells.items():
    assert r["tokens"] == 2 * (length - 1), r
    assert 1.0 < r["perplexity"] < 1000.0, r
    assert abs(math.exp(r["loss"]) - r["perplexity"]) < 1e-6 * r["perplexity"], r
    assert r["needle_answer_tokens"] == 2 * 5, r
    assert 0 <= r["needle_exact"] <= r["needle_documents"] == 2, r
    assert r["factor"] == (1.0 if rope == "original" else 2.0), r
PY

"$bin" eval ppl --model "$work/m.h5" --corpus "$src/data/corpus/heldout" --lengths 128 \
  --ropes original,yarn --docs 1 --threads 1 > "$work/table.md" 2> /dev/null
test "$(grep -c '^|' "$work/table.md")" -eq 4  # header, rule, two RoPEs
grep -q '^| yarn | ' "$work/table.md"

set +e
"$bin" eval ppl --model "$work/missing.h5" > /dev/null 2> "$work/err"
code=$?
set -e
test "$code" -eq 1
test "$(wc -l < "$work/err")" -eq 1
"$bin" eval ppl --model "$work/m.h5" --ropes original,rope9 > /dev/null 2> "$work/err" && exit 1
grep -q "rope9" "$work/err"
echo "eval ppl CLI: ok"
