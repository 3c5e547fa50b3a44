#!/usr/bin/env bash
# End to end: a random tiny HF model (written by make_tiny_hf_model.py, an independent
# safetensors writer) -> .h5 -> HF again must keep every tensor's bytes and dtype; `score` must
# give the same result from the HF folder, the .h5 and a sharded re-export; broken inputs must
# fail with exit 1 and one error line naming the file.
set -euo pipefail
BIN=${ROPESCALE_BIN:?ROPESCALE_BIN not set}
SRC=${ROPESCALE_SOURCE_DIR:?ROPESCALE_SOURCE_DIR not set}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
# shellcheck source=../support/cli_errors.sh
source "$SRC/tests/support/cli_errors.sh"

# Compares the tensors (name, dtype, shape, bytes) of two safetensors folders.
same_tensors() {
  python3 - "$1" "$2" <<'PY'
import json, os, struct, sys
def load(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) \
        else ["model.safetensors"]
    out = {}
    for f in files:
        raw = open(os.path.join(folder, f), "rb").read()
        n = struct.unpack("<Q", raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        for name, e in header.items():
            if name == "__metadata__":
                continue
            b, end = e["data_offsets"]
            out[name] = (e["dtype"], e["shape"], raw[8 + n + b:8 + n + end])
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
if a.keys() != b.keys():
    sys.exit("tensor names differ: %s" % sorted(set(a) ^ set(b)))
for name in a:
    if a[name] != b[name]:
        sys.exit("tensor %s differs (dtype/shape/bytes)" % name)
PY
}

TOKENS=5,17,33,2,9,40,41,63,0,12
for dtype in F32 F16 BF16; do
  python3 "$SRC/tests/cli/make_tiny_hf_model.py" "hf_$dtype" --dtype "$dtype" --seed 7
  "$BIN" --log-level warn convert --input "hf_$dtype" --output "m_$dtype.h5"
  "$BIN" --log-level warn convert --input "m_$dtype.h5" --output "back_$dtype"
  same_tensors "hf_$dtype" "back_$dtype" || fail "$dtype: HF -> h5 -> HF changed tensors"
  "$BIN" --log-level warn convert --input "m_$dtype.h5" --output "shards_$dtype" --shard-size 20000
  [ -f "shards_$dtype/model.safetensors.index.json" ] || fail "$dtype: no index for shards"
  same_tensors "hf_$dtype" "shards_$dtype" || fail "$dtype: sharded export changed tensors"

  from_hf=$("$BIN" score --model "hf_$dtype" --tokens $TOKENS --json)
  from_h5=$("$BIN" score --model "m_$dtype.h5" --tokens $TOKENS --json)
  from_shards=$("$BIN" score --model "shards_$dtype/config.json" --tokens $TOKENS --json)
  [ "$from_hf" = "$from_h5" ] || fail "$dtype: score differs between HF and .h5"
  [ "$from_hf" = "$from_shards" ] || fail "$dtype: score differs for the sharded folder"
  python3 - "$from_hf" <<'PY' || fail "$dtype: bad score JSON"
import json, math, sys
r = json.loads(sys.argv[1])
assert r["num_tokens"] == 10 and len(r["logits_last"]) == 64, r
assert math.isfinite(r["loss"]) and r["loss"] > 0, r
assert r["factor_set"] == "short", r   # 10 tokens <= original_max_position_embeddings 16
PY
done

# --dtype converts; f32 -> bf16 differs from the source, bf16 -> bf16 keeps the bytes.
"$BIN" --log-level warn convert --input hf_BF16 --output as_bf16 --dtype bf16
same_tensors hf_BF16 as_bf16 || fail "--dtype bf16 of a bf16 model changed bytes"
"$BIN" --log-level warn convert --input hf_F32 --output f32_as_bf16.h5 --dtype bf16
"$BIN" --log-level warn convert --input f32_as_bf16.h5 --output f32_as_bf16
grep -q '"torch_dtype": "bfloat16"' f32_as_bf16/config.json || fail "--dtype bf16 not in config"

# Longer than original_max_position_embeddings (16): long factors, and a different loss.
LONG=$(seq -s, 1 40)
long=$("$BIN" score --model m_F32.h5 --tokens "$LONG" --json)
echo "$long" | grep -q '"factor_set":"long"' || fail "40 tokens should use the long factors"

# Phi-3 layout (fused qkv_proj / gate_up_proj) scores like its LLaMA export.
python3 "$SRC/tests/cli/make_tiny_hf_model.py" phi3 --phi3 --seed 3
"$BIN" --log-level warn convert --input phi3 --output phi3_as_llama
[ "$("$BIN" score --model phi3 --tokens $TOKENS --json)" = \
  "$("$BIN" score --model phi3_as_llama --tokens $TOKENS --json)" ] || fail "phi3 export differs"
grep -q LlamaForCausalLM phi3_as_llama/config.json || fail "phi3 export is not LLaMA"

# Phi-3 export (fused, strict rope_scaling) scores the same and converts back to the same bytes.
"$BIN" --log-level warn convert --input m_F32.h5 --output as_phi3 --arch phi3
grep -q Phi3ForCausalLM as_phi3/config.json || fail "--arch phi3 did not write Phi3ForCausalLM"
[ "$("$BIN" score --model as_phi3 --tokens $TOKENS --json)" = \
  "$("$BIN" score --model hf_F32 --tokens $TOKENS --json)" ] || fail "phi3 export scores differently"
"$BIN" --log-level warn convert --input as_phi3 --output phi3_back
same_tensors hf_F32 phi3_back || fail "llama -> phi3 -> llama changed tensors"

# Broken inputs: one line, exit 1, naming the file.
cp m_F32.h5 cut.h5 && truncate -s 30000 cut.h5
expect_error cut.h5 "$BIN" score --model cut.h5 --tokens 1,2
head -c 5000 /dev/urandom > junk.h5
expect_error junk.h5 "$BIN" score --model junk.h5 --tokens 1,2
expect_error junk.h5 "$BIN" --log-level warn convert --input junk.h5 --output junk_out
cp -r hf_F32 cut_hf && truncate -s 5000 cut_hf/model.safetensors
expect_error model.safetensors "$BIN" score --model cut_hf --tokens 1,2
mkdir -p empty_dir
expect_error config.json "$BIN" --log-level warn convert --input empty_dir --output x.h5
expect_error "outside the vocabulary" "$BIN" score --model m_F32.h5 --tokens 1,64
[ ! -e x.h5 ] || fail "a failed convert left x.h5 behind"

# --help shows the defaults.
"$BIN" convert --help | grep -q 'keep' || fail "convert --help lacks the --dtype default"
"$BIN" score --help | grep -q 'cpu' || fail "score --help lacks the --backend default"
echo "convert_score_test: OK"
