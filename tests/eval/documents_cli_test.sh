#!/usr/bin/env bash
# `ropescale documents` end to end: the file it writes is what `eval passkey`, `eval ppl` and
# `search` score with --eval-documents (the same documents the flags would draw for the same
# seed give the same rows), lengths it lacks are refused naming the file and what it holds, and
# bad options are one message naming the option, exit code 1, no file written.
set -euo pipefail
bin=${ROPESCALE_BIN:?}
src=${ROPESCALE_SOURCE_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=$src/data/corpus/heldout
model=$src/data/tiny-llama.h5

"$bin" documents --help > "$work/help"
for option in --corpus --model --tokenizer --lengths --docs --depths --depth-count --formats --digits \
  --windows --seed --out --json; do
  grep -q -- "$option" "$work/help" || { echo "--help lacks $option" >&2; exit 1; }
done

"$bin" --log-level warn documents --corpus "$corpus" --lengths 200,300 --docs 3 \
  --depth-count 2 --formats passkey,magic-number --windows 2 --seed 5 --out "$work/docs.h5" \
  --json > "$work/made.json"
python3 - "$work/made.json" <<'PY'
import json, sys
made = json.load(open(sys.argv[1]))
assert made["sets"] == 2 * 2 * 2 + 2, made
assert made["documents"] == 8 * 3 + 2 * 2, made
assert made["tokenizer"] == "byte" and made["vocab_size"] == 256, made
PY
h5ls "$work/docs.h5/sets/set-00000" | grep -q "loss_weights *Dataset {3, 200}"

# eval passkey on the file = eval passkey drawing the same documents from the corpus.
common=(--model "$model" --ropes original --threads 1 --json)
"$bin" --log-level warn eval passkey "${common[@]}" --eval-documents "$work/docs.h5" \
  > "$work/file.json"
"$bin" --log-level warn eval passkey "${common[@]}" --corpus "$corpus" --lengths 200,300 \
  --docs 3 --depths 0,1 --formats passkey,magic-number --seed 5 > "$work/flags.json"
python3 - "$work/file.json" "$work/flags.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert len(a["results"]) == 8, len(a["results"])
assert a["results"] == b["results"], (a["results"], b["results"])
assert a["inputs"]["lengths"] == [200, 300] and a["inputs"]["depths"] == [0.0, 1.0], a["inputs"]
PY

# eval ppl on the file: windows per length, needle loss over every needle set of the length.
"$bin" --log-level warn eval ppl "${common[@]}" --eval-documents "$work/docs.h5" --needle \
  --retrieval > "$work/ppl.json"
python3 - "$work/ppl.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["results"]
assert [r["length"] for r in rows] == [200, 300], rows
for r in rows:
    assert r["windows"] == 2 and r["needle_documents"] == 12, r
    assert 1.0 < r["perplexity"] < 50.0 and r["needle_loss"] >= 0.0, r
PY

# search on the file: 12 needle documents of length 300 per candidate.
"$bin" --log-level warn search --model "$model" --eval-documents "$work/docs.h5" \
  --target-len 300 --population 4 --generations 1 --threads 1 --out "$work/f.json" > /dev/null
grep -q '"long_factor"' "$work/f.json"

# train scores the file's needle documents on the trained RoPE at its final checkpoint: the same
# needle loss `eval ppl` gives the trained model on that file.
"$bin" --log-level warn documents --corpus "$corpus" --lengths 300 --docs 3 --windows 1 \
  --seed 6 --out "$work/d300.h5" > /dev/null
OMP_NUM_THREADS=1 "$bin" --log-level warn train --model "$model" --data "$src/data/corpus/train" \
  --factors "$work/f.json" --short-len 128 --long-len 300 --global-batch-tokens 600 --steps 2 \
  --warmup 1 --threads 1 --eval-documents "$work/d300.h5" --metrics "$work/m.jsonl" \
  --out "$work/t.h5" --json > "$work/train.json"
"$bin" --log-level warn eval ppl --model "$work/t.h5" --ropes model --needle --threads 1 \
  --eval-documents "$work/d300.h5" --json > "$work/t-ppl.json"
python3 - "$work/train.json" "$work/t-ppl.json" "$work/m.jsonl" <<'PY'
import json, sys
train, ppl = (json.load(open(p)) for p in sys.argv[1:3])
lines = [json.loads(l) for l in open(sys.argv[3])]
row = ppl["results"][0]
assert row["needle_documents"] == 3, row
assert abs(train["eval_needle_loss"] - row["needle_loss"]) < 1e-9, (train, row)
assert lines[-1] == {"step": 2, "eval_needle_loss": train["eval_needle_loss"],
                     "eval_documents": 3}, lines[-1]
PY

# Refusals: a length the file lacks, a file without windows, bad options.
expect_error() {  # expect_error PATTERN command...
  local pattern=$1; shift
  if "$@" > "$work/out" 2> "$work/err"; then echo "accepted: $*" >&2; exit 1; fi
  grep -q -- "$pattern" "$work/err" || { echo "no '$pattern' in:" >&2; cat "$work/err" >&2; exit 1; }
}
expect_error "no needle documents of length 400" "$bin" search --model "$model" \
  --eval-documents "$work/docs.h5" --target-len 400 --population 4 --generations 1 --out "$work/g.json"
test ! -e "$work/g.json"
expect_error "no needle documents of at most --long-len 280" "$bin" train --model "$model" \
  --data "$src/data/corpus/train" --factors "$work/f.json" --short-len 128 --long-len 280 \
  --steps 1 --eval-documents "$work/d300.h5" --out "$work/g.h5"
test ! -e "$work/g.h5"
"$bin" --log-level warn documents --corpus "$corpus" --lengths 200 --docs 2 --out "$work/needles.h5"
expect_error "no perplexity windows" "$bin" eval ppl --model "$model" --eval-documents "$work/needles.h5"
expect_error "--lengths" "$bin" documents --lengths 1 --out "$work/x.h5"
expect_error "--depth-count" "$bin" documents --lengths 200 --depth-count 3 --depths 0 --out "$work/x.h5"
expect_error "--formats" "$bin" documents --lengths 200 --formats nope --out "$work/x.h5"
expect_error "nothing to build" "$bin" documents --lengths 200 --docs 0 --out "$work/x.h5"
expect_error "--out" "$bin" documents --lengths 200 --out "$work/missing/x.h5"
test ! -e "$work/x.h5"
echo "documents CLI: ok"
