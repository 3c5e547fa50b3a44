#!/usr/bin/env bash
# `ropescale pretrain` then `ropescale eval ppl` end to end on a tiny model: the JSON has one
# result per RoPE x length with sane numbers (and the keys jobs/before_after_table.py reads), the
# table has one row per RoPE, several models give one table with a model column, --out holds
# the JSON with provenance and inputs, and errors are one line with exit code 1 naming the
# option.
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
    # Three steps leave the model near uniform over its 256 tokens (measured: 249-252): it
    # must beat uniform, and not by more than three steps can learn.
    assert 200.0 < r["perplexity"] < 256.0, r
    assert abs(math.exp(r["loss"]) - r["perplexity"]) < 1e-6 * r["perplexity"], r
    assert r["needle_answer_tokens"] == 2 * 5, r
    assert 0 <= r["needle_exact"] <= r["needle_documents"] == 2, r
    assert r["factor"] == (1.0 if rope == "original" else 2.0), r
PY

"$bin" eval ppl --model "$work/m.h5" --corpus "$src/data/corpus/heldout" --lengths 128 \
  --ropes original,yarn --docs 1 --threads 1 > "$work/table.md" 2> "$work/eval_default.log"
test "$(grep -c '^|' "$work/table.md")" -eq 4  # header, rule, two RoPEs
grep -q '^| yarn | ' "$work/table.md"

# Two models, the model's own RoPE, --out: one table with a model column; the file is the JSON.
cp "$work/m.h5" "$work/m2.h5"
"$bin" eval ppl --model "$work/m.h5" --model "$work/m2.h5" --corpus "$src/data/corpus/heldout" \
  --lengths 128 --ropes model,yarn --docs 1 --threads 1 --out "$work/two.json" \
  > "$work/two.md" 2> /dev/null
test "$(grep -c '^|' "$work/two.md")" -eq 6  # header, rule, 2 models x 2 RoPEs
grep -q "^| $work/m2.h5 | model | " "$work/two.md"
python3 - "$work/two.json" "$work" <<'PY'
import json, sys
out, work = json.load(open(sys.argv[1])), sys.argv[2]
assert out["command"] == "eval ppl", out
assert set(out["provenance"]) == {"command_line", "version", "git_hash", "host", "time_utc"}
assert "--out" in out["provenance"]["command_line"]
inputs = out["inputs"]
assert inputs["models"] == [f"{work}/m.h5", f"{work}/m2.h5"] and inputs["ranks"] == 1, inputs
assert inputs["ropes"] == ["model", "yarn"] and inputs["lengths"] == [128], inputs
rows = [(r["model"], r["rope"]) for r in out["results"]]
assert rows == [(f"{work}/{m}", r) for m in ("m.h5", "m2.h5") for r in ("model", "yarn")], rows
first, second = out["results"][0], out["results"][2]
assert first["perplexity"] == second["perplexity"] and first["windows"] == 1, out["results"]
PY

set +e
"$bin" eval ppl --model "$work/missing.h5" > /dev/null 2> "$work/err"
code=$?
set -e
test "$code" -eq 1
test "$(wc -l < "$work/err")" -eq 1
"$bin" eval ppl --model "$work/m.h5" --ropes original,rope9 > /dev/null 2> "$work/err" && exit 1
grep -q "rope9" "$work/err"
# Every numeric option is range-checked, naming the option.
for bad in "--docs 0" "--batch 0" "--threads -1" "--lengths 1" "--lengths 128,x" \
  "--target-length 1" "--digits 19" "--lengths 128,128"; do
  # shellcheck disable=SC2086
  if "$bin" eval ppl --model "$work/m.h5" $bad > /dev/null 2> "$work/err"; then
    echo "accepted: $bad" >&2
    exit 1
  fi
  grep -q -- "${bad%% *}" "$work/err" || { echo "no option named for $bad: $(cat "$work/err")" >&2; exit 1; }
done
# A target not longer than the window L = 128 would make pi/ntk/yarn the original RoPE: an
# explicit --target-length is refused naming the option and L; the default one is warned about.
for target in 100 128; do
  "$bin" eval ppl --model "$work/m.h5" --corpus "$src/data/corpus/heldout" --lengths 128 \
    --ropes original,pi --target-length "$target" --docs 1 --threads 1 > /dev/null \
    2> "$work/err" && { echo "accepted --target-length $target" >&2; exit 1; }
  grep -q -- "--target-length: $target is not longer than .*window L = 128" "$work/err"
done
grep -q "target length 128 .* not longer than the window L = 128" "$work/eval_default.log" || {
  echo "no warning for the default target 128: $(cat "$work/eval_default.log")" >&2
  exit 1
}
"$bin" eval ppl --model "$work/m.h5" --model "$work/m.h5" > /dev/null 2> "$work/err" && exit 1
grep -q "twice" "$work/err"
echo "eval ppl CLI: ok"
