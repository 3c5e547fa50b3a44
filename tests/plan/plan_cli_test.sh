#!/usr/bin/env bash
# `ropescale plan` end to end: the table and JSON for the shipped tiny model, the LLaMA-3-8B
# and Phi-3-mini shapes; a HF folder holding only config.json plans like the named shape;
# the LLaMA-3-8B forward at 131072 tokens agrees with the README's hand estimate; bad inputs
# fail with exit 1 and one error line naming the culprit.
set -euo pipefail
BIN=${ROPESCALE_BIN:?ROPESCALE_BIN not set}
SRC=${ROPESCALE_SOURCE_DIR:?ROPESCALE_SOURCE_DIR not set}
PY=${ROPESCALE_PYTHON:-/usr/bin/python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
# shellcheck source=../support/cli_errors.sh
source "$SRC/tests/support/cli_errors.sh"

# The shipped tiny model: the table.
"$BIN" plan --model "$SRC/data/tiny-llama.h5" --target-len 2048 --ranks 2 > tiny.txt
for want in "tiny-llama.h5 at T = 2048 tokens (trained at 256: s = 8), 2 ranks, backend cpu" \
            "0.9187 M parameters" "^forward " "^train step, recompute" "^weights (fp32)" \
            "^total" "KV cache of greedy decoding" "whole search on 2 ranks" \
            "population 64 + 40 generations x 32 new candidates = 1344 candidates x 8 documents" \
            "Formulas"; do
  grep -q -- "$want" tiny.txt || fail "tiny table lacks '$want':
$(cat tiny.txt)"
done
# --shape tiny is the same model: the same numbers.
"$BIN" plan --model "$SRC/data/tiny-llama.h5" --target-len 2048 --ranks 2 --json > tiny.json
"$BIN" plan --shape tiny --target-len 2048 --ranks 2 --json > tiny-shape.json

# LLaMA-3-8B and Phi-3-mini on H200s, and LLaMA-3-8B from a folder holding only config.json.
"$BIN" plan --shape llama3-8b --target-len 131072 --ranks 8 --backend cuda > llama.txt
"$BIN" plan --shape llama3-8b --target-len 131072 --ranks 8 --backend cuda --json > llama.json
"$BIN" plan --shape phi3-mini --target-len 131072 --ranks 8 --backend cuda > phi.txt
"$BIN" plan --shape phi3-mini --target-len 131072 --ranks 8 --backend cuda --json > phi.json
for want in "llama3-8b at T = 131072 tokens (trained at 8192: s = 16), 8 ranks, backend cuda" \
            "8030 M parameters" "6.471 PFLOP" "master weights (fp32)" \
            "lm_head and logits (chunks of 4096 tokens)" "whole search on 8 ranks"; do
  grep -q -- "$want" llama.txt || fail "llama table lacks '$want':
$(cat llama.txt)"
done
grep -q "phi3-mini at T = 131072 tokens (trained at 4096: s = 32)" phi.txt || fail "phi table:
$(cat phi.txt)"
mkdir llama-config
cat > llama-config/config.json <<'JSON'
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
 "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32,
 "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 128256,
 "max_position_embeddings": 8192, "rope_theta": 500000.0, "rms_norm_eps": 1e-05,
 "bos_token_id": 128000, "eos_token_id": 128001, "tie_word_embeddings": false}
JSON
"$BIN" plan --model llama-config --target-len 131072 --ranks 8 --backend cuda --json > folder.json

"$PY" - <<'PY'
import json, sys

def load(name):
    with open(name) as f:
        return json.load(f)

def without_model(plan):
    return {k: v for k, v in plan.items() if k != "model"}

tiny, tiny_shape = load("tiny.json"), load("tiny-shape.json")
assert without_model(tiny) == without_model(tiny_shape), "--shape tiny differs from the .h5"
assert tiny["parameters"] == 918656, tiny["parameters"]
assert without_model(load("folder.json")) == without_model(load("llama.json")), \
    "config.json-only folder differs from --shape llama3-8b"

llama = load("llama.json")
forward = llama["flops"]["forward"]
# README hand estimate: 2 T (32 x 218,103,808 + 525,336,576) + 2 x 32 x 32 x 128 x T (T + 1).
T = 131072
hand = 2 * T * (32 * 218103808 + 525336576) + 2 * 32 * 32 * 128 * T * (T + 1)
assert abs(forward["total"] / hand - 1) < 1e-12, (forward["total"], hand)
assert abs(forward["total"] / 6.6e15 - 1) < 0.02, forward["total"]
train = llama["flops"]["train_step"]
assert abs(train["total"] - (3 * (forward["layer_matmuls"] + forward["head"])
                             + 3.5 * forward["attention"])) < 1e3, train
mem = llama["memory_bytes"]
assert mem["forward"]["weights"] == 16060522496, mem["forward"]["weights"]
assert mem["decode_cache"] == 16 << 30, mem["decode_cache"]
assert mem["train_step_recompute"]["total"] < mem["train_step"]["total"]
secs = llama["seconds"]
rate = llama["backend"]["rank_flops_per_s"]
assert abs(rate - 989.4e12 * 0.40) < 1, rate
assert abs(secs["forward"] - forward["total"] / rate) < 1e-9 * secs["forward"]
search = llama["search"]
assert search["candidates"] == 64 + 40 * 32 and search["forwards"] == 1344 * 8, search
# 8 ranks: generation 0 = 64 x 8 / 8 = 64 rounds, then 40 x (32 x 8 / 8) = 1280 rounds.
assert abs(secs["search"] - (64 + 1280) * secs["forward"]) < 1e-6 * secs["search"]

phi = load("phi.json")
assert phi["parameters"] == 3821079552, phi["parameters"]
PY

# --logit-chunk bounds the logits held at once: 1024 rows of 128256 fp32 logits.
"$BIN" plan --shape llama3-8b --target-len 131072 --backend cuda --logit-chunk 1024 --json \
  > chunk.json
"$PY" -c "
import json; p = json.load(open('chunk.json'))
assert p['backend']['logit_chunk_tokens'] == 1024
assert p['memory_bytes']['forward']['head'] == 1024 * (2 * 4096 + 1) * 2 + 1024 * 128256 * 4"
expect_error "--logit-chunk: -1 < 0" "$BIN" plan --shape tiny --target-len 64 --logit-chunk -1

# A rate given by hand replaces the backend's.
"$BIN" plan --shape tiny --target-len 256 --flops-per-second 1e9 --json > rate.json
"$PY" -c "
import json; p = json.load(open('rate.json'))
assert p['backend']['rank_flops_per_s'] == 1e9
assert abs(p['seconds']['forward'] - p['flops']['forward']['total'] / 1e9) < 1e-12"

# --help carries the formulas.
"$BIN" plan --help > help.txt
grep -q "forward = 2\*T\*L\*W + 2\*L\*H\*d\*T\*(T+1) + 2\*T\*V\*D" help.txt || fail "help lacks the formula"

# Bad inputs: exit 1, one line naming what is wrong, nothing on stdout.
expect_error "no-such.h5: no such file or folder" \
  "$BIN" plan --model no-such.h5 --target-len 1024
expect_error "--target-len: 0 is outside" "$BIN" plan --shape tiny --target-len 0
expect_error "--target-len: -5 is outside" "$BIN" plan --shape tiny --target-len -5
expect_error "--ranks: 0 is outside" "$BIN" plan --shape tiny --target-len 1024 --ranks 0
expect_error "--ranks: -2 is outside" "$BIN" plan --shape tiny --target-len 1024 --ranks -2
expect_error "--backend: 'tpu' is not a backend the plan knows (cpu, cuda)" \
  "$BIN" plan --shape tiny --target-len 1024 --backend tpu
expect_error "exactly one of --model" "$BIN" plan --target-len 1024
expect_error "exactly one of --model" \
  "$BIN" plan --shape tiny --model "$SRC/data/tiny-llama.h5" --target-len 1024
expect_error "model shape 'gpt5' is unknown" "$BIN" plan --shape gpt5 --target-len 1024
expect_error "--efficiency: 2 is outside" \
  "$BIN" plan --shape tiny --target-len 1024 --backend cuda --efficiency 2
expect_error "--documents: 0 is outside" "$BIN" plan --shape tiny --target-len 1024 --documents 0
# --target-len is required (CLI11's own message and exit code).
set +e
"$BIN" plan --shape tiny > out.txt 2> err.txt
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "plan without --target-len succeeded"
grep -q -- "--target-len is required" err.txt || fail "missing --target-len: $(cat err.txt)"
echo "plan CLI OK"
