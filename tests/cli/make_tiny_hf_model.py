#!/usr/bin/env python3
"""Writes a random tiny Hugging Face LlamaForCausalLM folder (config.json + safetensors) for the
CLI tests, with the Python standard library only: an independent safetensors writer (format of
huggingface/safetensors README: u64 LE header length, JSON header, raw little-endian data).

usage: make_tiny_hf_model.py OUT_DIR [--dtype F32|F16|BF16] [--seed N] [--rope default|longrope]
                             [--tied] [--phi3]
"""
import argparse
import json
import os
import random
import struct

def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--dtype", default="F32", choices=["F32", "F16", "BF16"])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rope", default="longrope", choices=["default", "longrope"])
    p.add_argument("--tied", action="store_true")
    p.add_argument("--phi3", action="store_true", help="write fused qkv_proj/gate_up_proj")
    return p.parse_args()

def pack(values, dtype):
    if dtype == "F32":
        return struct.pack("<%df" % len(values), *values)
    if dtype == "F16":
        return struct.pack("<%de" % len(values), *values)
    # BF16: the upper half of the float32 bits (a truncated, valid bfloat16 value)
    raw = struct.pack("<%df" % len(values), *values)
    return b"".join(raw[i + 2:i + 4] for i in range(0, len(raw), 4))

def main():
    a = parse_args()
    rng = random.Random(a.seed)
    V, H, I, NL, NH, NKV, HD = 64, 32, 48, 2, 4, 2, 8
    config = {
        "architectures": ["Phi3ForCausalLM" if a.phi3 else "LlamaForCausalLM"],
        "model_type": "phi3" if a.phi3 else "llama",
        "vocab_size": V, "hidden_size": H, "intermediate_size": I, "num_hidden_layers": NL,
        "num_attention_heads": NH, "num_key_value_heads": NKV, "head_dim": HD,
        "hidden_act": "silu", "rms_norm_eps": 1e-5, "tie_word_embeddings": a.tied,
        "max_position_embeddings": 64, "rope_theta": 10000.0,
        "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0,
        "torch_dtype": {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[a.dtype],
    }
    if a.rope == "longrope":
        config["original_max_position_embeddings"] = 16
        config["rope_scaling"] = {
            "rope_type": "longrope",
            "short_factor": [1.0, 1.25, 1.5, 2.0],
            "long_factor": [1.5, 2.5, 3.5, 4.0],
            "original_max_position_embeddings": 16,
            "factor": 4.0,
        }
    shapes = [("model.embed_tokens.weight", [V, H], 0.5)]
    for l in range(NL):
        p = "model.layers.%d." % l
        shapes += [(p + "input_layernorm.weight", [H], None),
                   (p + "post_attention_layernorm.weight", [H], None)]
        if a.phi3:
            shapes.append((p + "self_attn.qkv_proj.weight", [(NH + 2 * NKV) * HD, H], 0.3))
        else:
            shapes += [(p + "self_attn.q_proj.weight", [NH * HD, H], 0.3),
                       (p + "self_attn.k_proj.weight", [NKV * HD, H], 0.3),
                       (p + "self_attn.v_proj.weight", [NKV * HD, H], 0.3)]
        shapes.append((p + "self_attn.o_proj.weight", [H, NH * HD], 0.2))
        if a.phi3:
            shapes.append((p + "mlp.gate_up_proj.weight", [2 * I, H], 0.2))
        else:
            shapes += [(p + "mlp.gate_proj.weight", [I, H], 0.2),
                       (p + "mlp.up_proj.weight", [I, H], 0.2)]
        shapes.append((p + "mlp.down_proj.weight", [H, I], 0.2))
    shapes.append(("model.norm.weight", [H], None))
    if not a.tied:
        shapes.append(("lm_head.weight", [V, H], 0.3))

    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    size = {"F32": 4, "F16": 2, "BF16": 2}[a.dtype]
    for name, shape, std in shapes:
        n = 1
        for d in shape:
            n *= d
        if std is None:
            values = [1.0 + rng.uniform(-0.2, 0.2) for _ in range(n)]
        else:
            values = [rng.gauss(0.0, std) for _ in range(n)]
        data = pack(values, a.dtype)
        assert len(data) == n * size
        header[name] = {"dtype": a.dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)

if __name__ == "__main__":
    main()
