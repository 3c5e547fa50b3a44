#!/usr/bin/env bash
# The pipeline end to end with a real tokenizer: a tiny LLaMA whose tokenizer is the byte-level
# BPE tokenizer.json trained here (tests/fixtures/tokenizers) goes through tokenize -> pretrain
# -> evaluation documents -> search -> train -> eval -> HF export. The needle documents' answer
# tokens are what the `tokenizers` library itself makes of the key after the question, the
# export carries the same tokenizer.json, and data in another tokenizer is refused.
set -euo pipefail
bin=${ROPESCALE_BIN:?}
src=${ROPESCALE_SOURCE_DIR:?}
python=${ROPESCALE_TOKENIZER_PYTHON:-$src/.venv/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bpe=$src/tests/fixtures/tokenizers/byte-level-bpe
corpus=$src/data/corpus/heldout
quiet=(--log-level warn)

"$bin" "${quiet[@]}" tokenize --input "$src/data/corpus/train" --tokenizer "$bpe" \
  --out "$work/train.h5" > /dev/null
"$bin" "${quiet[@]}" pretrain --tokenizer "$bpe" --corpus "$work/train.h5" --out "$work/m.h5" \
  --hidden 16 --layers 1 --heads 2 --kv-heads 2 --ffn 32 --context 64 --batch 2 --steps 2 \
  --warmup 1 --threads 1 > /dev/null
h5dump -a /config/vocab_size "$work/m.h5" | grep -q "(0): 1002"  # the tokenizer's vocabulary
h5ls "$work/m.h5/tokenizer" | grep -q "file"

"$bin" "${quiet[@]}" documents --model "$work/m.h5" --corpus "$corpus" --lengths 192 --docs 2 \
  --depth-count 2 --formats passkey,magic-number --windows 2 --out "$work/docs.h5" --json \
  > "$work/docs.json"
grep -q '"tokenizer":"hf-tokenizer-json"' "$work/docs.json"

# The answer tokens of every needle document are the library's tokens of the key after the
# question, taken from the library's encoding of the question and the key together.
for set in 0 1 2 3; do
  h5dump -y -w 0 -d "/sets/set-0000$set/tokens" "$work/docs.h5" | tr -d ' ' \
    | grep -E '^[0-9,]+$' | tr ',' '\n' | grep -v '^$' > "$work/tokens$set"
  h5dump -y -w 0 -d "/sets/set-0000$set/loss_weights" "$work/docs.h5" | tr -d ' ' \
    | grep -E '^[0-9.,]+$' | tr ',' '\n' | grep -v '^$' > "$work/weights$set"
  h5dump -y -d "/sets/set-0000$set/key" "$work/docs.h5" | grep -o '"[0-9]*"' | tr -d '"' \
    > "$work/keys$set"
  h5dump -a "/sets/set-0000$set/format" "$work/docs.h5" | grep -o '"[a-z-]*"' | tr -d '"' \
    | tail -1 > "$work/format$set"
done
"$python" - "$work" "$bpe/tokenizer.json" <<'PY'
import sys
from tokenizers import Tokenizer
work, path = sys.argv[1:]
tok = Tokenizer.from_file(path)
question = {"passkey": " What is the pass key? The pass key is "}
checked = 0
for s in range(4):
    tokens = [int(x) for x in open(f"{work}/tokens{s}").read().split()]
    weights = [float(x) for x in open(f"{work}/weights{s}").read().split()]
    keys = open(f"{work}/keys{s}").read().split()
    fmt = open(f"{work}/format{s}").read().strip()
    length = 192
    assert len(tokens) == len(keys) * length, (s, len(tokens))
    for d, key in enumerate(keys):
        row, w = tokens[d * length:(d + 1) * length], weights[d * length:(d + 1) * length]
        weighted = [t for t in range(length) if w[t] == 1.0]
        answer = row[weighted[0] + 1:]  # the targets of the weighted positions
        assert weighted == list(range(weighted[0], length - 1)), (s, d, weighted)
        assert tok.decode(answer).strip() == key, (s, d, tok.decode(answer), key)
        if fmt in question:
            enc = tok.encode("x" + question[fmt] + key, add_special_tokens=False)
            ids = [i for i, (b, e) in zip(enc.ids, enc.offsets) if e > 1 + len(question[fmt])]
            assert ids == answer, (s, d, ids, answer)
            checked += 1
assert checked == 4, checked
print("needle answers match the tokenizers library")
PY

"$bin" "${quiet[@]}" search --model "$work/m.h5" --eval-documents "$work/docs.h5" \
  --target-len 192 --population 4 --generations 1 --threads 1 --out "$work/f.json" \
  --out-model "$work/ext.h5" > /dev/null
h5ls "$work/ext.h5/tokenizer" | grep -q "file"
OMP_NUM_THREADS=1 "$bin" "${quiet[@]}" train --model "$work/m.h5" --data "$work/train.h5" \
  --factors "$work/f.json" --short-len 32 --long-len 192 --global-batch-tokens 384 --steps 2 \
  --warmup 1 --threads 1 --out "$work/t.h5" > /dev/null
"$bin" "${quiet[@]}" eval passkey --model "$work/t.h5" --eval-documents "$work/docs.h5" \
  --ropes original,model --threads 1 --json > "$work/passkey.json"
grep -q '"magic-number"' "$work/passkey.json"
"$bin" "${quiet[@]}" eval ppl --model "$work/t.h5" --model "$work/m.h5" \
  --eval-documents "$work/docs.h5" --ropes model --needle --threads 1 --json > "$work/ppl.json"
grep -q '"needle_loss"' "$work/ppl.json"
"$bin" "${quiet[@]}" convert --input "$work/t.h5" --output "$work/hf" > /dev/null
cmp "$work/hf/tokenizer.json" "$bpe/tokenizer.json"
# The exported folder reads back with the same tokenizer.
"$bin" "${quiet[@]}" documents --model "$work/hf" --corpus "$corpus" --lengths 192 --docs 2 \
  --depth-count 2 --formats passkey,magic-number --windows 2 --out "$work/docs2.h5" > /dev/null
cmp <(h5dump -g /sets "$work/docs.h5" | tail -n +2) <(h5dump -g /sets "$work/docs2.h5" | tail -n +2)

# Data in another tokenizer is refused, naming both.
"$bin" "${quiet[@]}" documents --tokenizer byte --corpus "$corpus" --lengths 192 --docs 1 \
  --out "$work/bytes.h5" > /dev/null
if "$bin" eval passkey --model "$work/t.h5" --eval-documents "$work/bytes.h5" 2> "$work/err"; then
  echo "accepted byte documents for a BPE model" >&2; exit 1
fi
grep -q "byte (vocab 256)" "$work/err" && grep -q "hf-tokenizer-json" "$work/err"
"$bin" "${quiet[@]}" tokenize --input "$src/data/corpus/train" --out "$work/bytes-train.h5" > /dev/null
if "$bin" train --model "$work/m.h5" --data "$work/bytes-train.h5" --factors "$work/f.json" \
  --short-len 32 --long-len 192 --steps 1 --out "$work/x.h5" 2> "$work/err"; then
  echo "accepted byte shards for a BPE model" >&2; exit 1
fi
grep -q "bytes-train.h5" "$work/err"
test ! -e "$work/x.h5"
echo "BPE pipeline: ok"
