#!/usr/bin/env python3
"""`ropescale score` against an independent numpy forward pass of Hugging Face's
LlamaForCausalLM, written from transformers' models/llama/modeling_llama.py (LlamaRMSNorm,
rotate_half / apply_rotary_pos_emb, repeat_kv, eager_attention_forward, LlamaMLP,
LlamaForCausalLM.forward with labels = input_ids -> ForCausalLMLoss: mean cross-entropy of the
shifted labels) and modeling_rope_utils.py (_compute_default_rope_parameters,
_compute_longrope_parameters: long_factor iff seq_len > original_max_position_embeddings,
attention factor sqrt(1 + ln(factor) / ln(L))). Computed in float64 from the stored weights.
Loss and last logits must agree to 1e-4 relative.
"""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    # python3-numpy is installed for the system interpreter; PATH may name another one (pyenv).
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and \
            os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    # The only whole-model check of the longrope factors and attention factor: never skip it.
    print("score_reference_test: FAILED: numpy is missing (install python3-numpy: "
          "env/install-deps.sh)", file=sys.stderr)
    sys.exit(1)

BIN = os.environ["ROPESCALE_BIN"]
SRC = os.environ["ROPESCALE_SOURCE_DIR"]


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    tensors = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        data = raw[8 + n + b:8 + n + end]
        if e["dtype"] == "F32":
            a = np.frombuffer(data, dtype="<f4")
        elif e["dtype"] == "F16":
            a = np.frombuffer(data, dtype="<f2").astype(np.float32)
        elif e["dtype"] == "BF16":
            a = (np.frombuffer(data, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(e["dtype"])
        tensors[name] = a.astype(np.float64).reshape(e["shape"])
    return tensors


def rope_cos_sin(cfg, seq_len):
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    dim = int(head_dim * cfg.get("partial_rotary_factor", 1.0))
    base = cfg.get("rope_theta", 10000.0)
    exponent = np.arange(0, dim, 2, dtype=np.float64) / dim
    scaling = 1.0
    rs = cfg.get("rope_scaling")
    if rs and rs.get("rope_type", rs.get("type")) == "longrope":
        L = cfg.get("original_max_position_embeddings") or rs["original_max_position_embeddings"]
        if "original_max_position_embeddings" in cfg:
            factor = cfg["max_position_embeddings"] / cfg["original_max_position_embeddings"]
        else:
            factor = rs.get("factor", 1.0)
        scaling = rs.get("attention_factor")
        if scaling is None:
            scaling = 1.0 if factor <= 1.0 else math.sqrt(1 + math.log(factor) / math.log(L))
        ext = np.array(rs["long_factor"] if seq_len > L else rs["short_factor"], dtype=np.float64)
        inv_freq = 1.0 / (ext * base ** exponent)
    else:
        assert not rs, "reference implements default and longrope only"
        inv_freq = 1.0 / base ** exponent
    freqs = np.outer(np.arange(seq_len, dtype=np.float64), inv_freq)
    emb = np.concatenate([freqs, freqs], axis=-1)
    return np.cos(emb) * scaling, np.sin(emb) * scaling, dim


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def forward(folder, ids):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    W = read_safetensors(os.path.join(folder, "model.safetensors"))
    H, NH = cfg["hidden_size"], cfg["num_attention_heads"]
    NKV = cfg.get("num_key_value_heads", NH)
    HD = cfg.get("head_dim") or H // NH
    I, eps, T = cfg["intermediate_size"], cfg["rms_norm_eps"], len(ids)
    cos, sin, rot = rope_cos_sin(cfg, T)
    mask = np.triu(np.full((T, T), -np.inf), k=1)
    h = W["model.embed_tokens.weight"][ids]
    for l in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % l
        if p + "self_attn.qkv_proj.weight" in W:  # Phi-3: q, k, v rows; gate, up rows
            qkv = W[p + "self_attn.qkv_proj.weight"]
            W[p + "self_attn.q_proj.weight"] = qkv[:NH * HD]
            W[p + "self_attn.k_proj.weight"] = qkv[NH * HD:(NH + NKV) * HD]
            W[p + "self_attn.v_proj.weight"] = qkv[(NH + NKV) * HD:]
            gu = W[p + "mlp.gate_up_proj.weight"]
            W[p + "mlp.gate_proj.weight"], W[p + "mlp.up_proj.weight"] = gu[:I], gu[I:]
        x = rms_norm(h, W[p + "input_layernorm.weight"], eps)
        q = (x @ W[p + "self_attn.q_proj.weight"].T).reshape(T, NH, HD).transpose(1, 0, 2)
        k = (x @ W[p + "self_attn.k_proj.weight"].T).reshape(T, NKV, HD).transpose(1, 0, 2)
        v = (x @ W[p + "self_attn.v_proj.weight"].T).reshape(T, NKV, HD).transpose(1, 0, 2)
        qr, kr = q[..., :rot], k[..., :rot]
        q = np.concatenate([qr * cos + rotate_half(qr) * sin, q[..., rot:]], axis=-1)
        k = np.concatenate([kr * cos + rotate_half(kr) * sin, k[..., rot:]], axis=-1)
        k = np.repeat(k, NH // NKV, axis=0)  # repeat_kv
        v = np.repeat(v, NH // NKV, axis=0)
        scores = q @ k.transpose(0, 2, 1) * HD ** -0.5 + mask
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs = scores / scores.sum(axis=-1, keepdims=True)
        attn = (probs @ v).transpose(1, 0, 2).reshape(T, NH * HD)
        h = h + attn @ W[p + "self_attn.o_proj.weight"].T
        x = rms_norm(h, W[p + "post_attention_layernorm.weight"], eps)
        gate = x @ W[p + "mlp.gate_proj.weight"].T
        up = x @ W[p + "mlp.up_proj.weight"].T
        h = h + (gate / (1 + np.exp(-gate)) * up) @ W[p + "mlp.down_proj.weight"].T
    h = rms_norm(h, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else W["lm_head.weight"]
    logits = h @ head.T
    shifted = logits[:-1]
    logz = np.log(np.exp(shifted - shifted.max(-1, keepdims=True)).sum(-1)) + shifted.max(-1)
    loss = float(np.mean(logz - shifted[np.arange(T - 1), ids[1:]]))
    return loss, logits[-1]


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        cases = [
            ("f32_longrope", ["--dtype", "F32", "--seed", "11"]),
            ("bf16_longrope", ["--dtype", "BF16", "--seed", "12"]),
            ("f16_default_tied", ["--dtype", "F16", "--rope", "default", "--tied", "--seed", "13"]),
            ("phi3_longrope", ["--phi3", "--seed", "14"]),
        ]
        rng = np.random.default_rng(5)
        for name, args in cases:
            folder = os.path.join(work, name)
            subprocess.run([sys.executable, os.path.join(SRC, "tests/cli/make_tiny_hf_model.py"),
                            folder] + args, check=True)
            for length in (12, 40):  # 40 > original_max_position_embeddings = 16: long factors
                ids = [int(t) for t in rng.integers(0, 64, size=length)]
                out = subprocess.run([BIN, "score", "--model", folder, "--tokens",
                                      ",".join(map(str, ids)), "--json"],
                                     check=True, capture_output=True, text=True).stdout
                got = json.loads(out)
                loss, logits = forward(folder, ids)
                logits_got = np.array(got["logits_last"])
                loss_err = abs(got["loss"] - loss) / abs(loss)
                logit_err = np.max(np.abs(logits_got - logits)) / np.max(np.abs(logits))
                ok = loss_err <= 1e-4 and logit_err <= 1e-4
                print("%-18s T=%-3d loss ropescale %.8f reference %.8f rel %.2e, logits rel %.2e %s"
                      % (name, length, got["loss"], loss, loss_err, logit_err,
                         "ok" if ok else "MISMATCH"))
                failures += not ok
    if failures:
        sys.exit("score_reference_test: %d mismatches" % failures)
    print("score_reference_test: OK")


if __name__ == "__main__":
    main()
