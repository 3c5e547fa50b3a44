#!/usr/bin/env bash
# `ropescale eval passkey` end to end on a tiny model: --help documents every option; the JSON
# has exactly the documented keys, a row per (model, RoPE, length, depth, format) with counts
# that add up; the Markdown has a table per format; --out and --markdown write the same as
# stdout; bad input is one line naming the option, exit code 1.
set -euo pipefail
bin=${ROPESCALE_BIN:?}
src=${ROPESCALE_SOURCE_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=$src/data/corpus/heldout

"$bin" eval passkey --help > "$work/help"
for option in --model --corpus --lengths --ropes --target-length --docs --seed --batch \
  --threads --backend --json --out --depths --formats --digits --markdown; do
  grep -q -- "$option" "$work/help" || { echo "--help lacks $option" >&2; exit 1; }
done
grep -q -- "--docs INT=100" "$work/help"

"$bin" --log-level warn pretrain --corpus "$src/data/corpus/train" --out "$work/m.h5" \
  --hidden 16 --layers 1 --heads 2 --kv-heads 2 --ffn 32 --context 128 --batch 2 --steps 1 \
  --warmup 1 --threads 1 > /dev/null

"$bin" eval passkey --model "$work/m.h5" --corpus "$corpus" --lengths 200,256 --docs 3 \
  --depths 0,1 --formats passkey,kv --ropes model,yarn --threads 1 --json \
  --out "$work/out.json" --markdown "$work/tables.md" > "$work/stdout.json" 2> "$work/log"
cmp <(python3 -m json.tool "$work/stdout.json") <(python3 -m json.tool "$work/out.json")
grep -q "tasks (100%)" "$work/log"  # progress on stderr
python3 - "$work/out.json" "$work/m.h5" <<'PY'
import json, math, sys
out, model = json.load(open(sys.argv[1])), sys.argv[2]
assert set(out) == {"command", "provenance", "inputs", "results"}, set(out)
assert out["command"] == "eval passkey"
assert set(out["provenance"]) == {"command_line", "version", "git_hash", "host", "time_utc"}
inputs = out["inputs"]
assert inputs["models"] == [model] and inputs["ranks"] == 1 and inputs["docs"] == 3, inputs
assert inputs["depths"] == [0, 1] and inputs["lengths"] == [200, 256], inputs
assert [f["name"] for f in inputs["formats"]] == ["passkey", "kv"], inputs
keys = {"model", "rope", "length", "depth", "format", "documents", "exact", "accuracy", "stderr",
        "digit_accuracy"}
cells = set()
for r in out["results"]:
    assert set(r) == keys, set(r)
    assert r["documents"] == 3 and 0 <= r["exact"] <= 3, r
    p = r["exact"] / 3
    assert r["accuracy"] == p and abs(r["stderr"] - math.sqrt(p * (1 - p) / 3)) < 1e-15, r
    assert 0 <= r["digit_accuracy"] <= 1 and (p < 1 or r["digit_accuracy"] == 1), r
    cells.add((r["model"], r["rope"], r["length"], r["depth"], r["format"]))
expected = {(model, rope, n, d, f) for rope in ("model", "yarn") for n in (200, 256)
            for d in (0, 1) for f in ("passkey", "kv")}
assert cells == expected and len(out["results"]) == len(expected), cells
PY
test "$(grep -c '^| model | RoPE | 200 @ depth 0 | 200 @ depth 1 | 256 @ depth 0 |' \
  "$work/tables.md")" -eq 2  # one table per format
test "$(grep -c "^| $work/m.h5 | " "$work/tables.md")" -eq 4  # 2 RoPEs x 2 formats

# Without --depths: random depths, reported as null; Markdown on stdout.
"$bin" eval passkey --model "$work/m.h5" --corpus "$corpus" --lengths 200 --docs 2 \
  --ropes original --threads 1 --json 2> /dev/null | python3 -c '
import json, sys
rows = json.load(sys.stdin)["results"]
assert len(rows) == 1 and rows[0]["depth"] is None and rows[0]["format"] == "passkey", rows'
"$bin" eval passkey --model "$work/m.h5" --corpus "$corpus" --lengths 200 --docs 2 \
  --ropes original --threads 1 2> /dev/null > "$work/table.md"
grep -q "^| $work/m.h5 | original | [0-9]*% ±[0-9]* |$" "$work/table.md"

# Bad input: one line naming the option (or the field), exit code 1.
expect_error() {  # WHAT-TO-FIND ARGS...
  local find=$1
  shift
  set +e
  "$bin" eval passkey --model "$work/m.h5" --corpus "$corpus" --threads 1 "$@" \
    > /dev/null 2> "$work/err"
  local code=$?
  set -e
  [[ $code -eq 1 ]] || { echo "exit $code for $*" >&2; exit 1; }
  [[ "$(wc -l < "$work/err")" -eq 1 ]] || { echo "not one line for $*: $(cat "$work/err")" >&2; exit 1; }
  grep -q -- "$find" "$work/err" || { echo "no '$find' for $*: $(cat "$work/err")" >&2; exit 1; }
}
expect_error "unknown RoPE 'rope9'" --docs 1 --ropes original,rope9
expect_error "unknown needle format 'haystack'" --docs 1 --formats passkey,haystack
expect_error "--depths: 1.5 is outside" --docs 1 --depths 0,1.5
expect_error "--depths: -0.25 is outside" --docs 1 --depths -0.25
expect_error "--depths: 'half' is not a number" --docs 1 --depths half
expect_error "too short for format kv" --docs 1 --lengths 150 --formats kv
expect_error "--docs: 0 is outside" --docs 0
expect_error "--batch: 0 is outside" --docs 1 --batch 0
expect_error "--digits: 19 is outside" --docs 1 --digits 19
expect_error "--lengths: 'x' is not an integer" --docs 1 --lengths x
expect_error "--markdown" --docs 1 --markdown "$work"
expect_error "missing.h5" --docs 1 --model "$work/missing.h5"
echo "eval passkey CLI: ok"
