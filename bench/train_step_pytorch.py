#!/usr/bin/env python3
"""The peer of bench/train_scaling.sh: the same mixed-window training step in PyTorch with Hugging
Face transformers' LlamaForCausalLM (what the LongRoPE2 authors' nnscaler code trains), on the CPU.

Model: the embedded shape (vocab 256, hidden 128, 4 layers, 4 heads, FFN 384, RoPE base 10000,
window 256) with the longrope rope_scaling for 2048. Step: 2 long rows of 2048 (one document each,
long factors) and 16 short rows of 256 holding 2 packed documents each (positions restart, a
block-diagonal causal mask, short factors): 8,192 tokens, one forward + backward, AdamW.
Random tokens: the cost does not depend on them. Prints tokens/s over --steps after --warmup.

Needs torch and transformers (pip install torch transformers); not part of the test suite.
"""
import argparse
import time

import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    L, T = 256, 2048
    config = LlamaConfig(
        vocab_size=256, hidden_size=128, intermediate_size=384, num_hidden_layers=4,
        num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=T,
        rope_theta=10000.0, tie_word_embeddings=False,
        rope_scaling={"rope_type": "longrope", "original_max_position_embeddings": L,
                      "factor": 8.0, "short_factor": [1.0] * 16, "long_factor": [8.0] * 16})
    model = LlamaForCausalLM(config)
    model.config._attn_implementation = "sdpa"
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, betas=(0.9, 0.95),
                                  weight_decay=0.0)

    long_ids = torch.randint(0, 256, (2, T))
    short_ids = torch.randint(0, 256, (16, L))
    half = L // 2
    short_pos = torch.cat([torch.arange(half), torch.arange(L - half)]).repeat(16, 1)
    segment = torch.cat([torch.zeros(half), torch.ones(L - half)])
    allowed = (segment[:, None] == segment[None, :]) & torch.ones(L, L).tril().bool()
    short_mask = torch.zeros(L, L).masked_fill(~allowed, float("-inf"))
    short_mask = short_mask.expand(16, 1, L, L)

    def step():
        optimizer.zero_grad(set_to_none=True)
        # Long rows: one micro-batch per row, as ropescale's default micro-batch (T tokens).
        for r in range(2):
            out = model(input_ids=long_ids[r:r + 1], labels=long_ids[r:r + 1])
            (out.loss / 2).backward()
        # Short rows: 8 rows (2,048 tokens) per micro-batch.
        for b in range(0, 16, 8):
            out = model(input_ids=short_ids[b:b + 8], position_ids=short_pos[b:b + 8],
                        attention_mask=short_mask[b:b + 8], labels=short_ids[b:b + 8])
            (out.loss / 2).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - start
    tokens = args.steps * (2 * T + 16 * L)
    print(f"pytorch {torch.__version__.split('+')[0]} + transformers {transformers.__version__} "
          f"LlamaForCausalLM, {args.threads} threads: "
          f"{tokens / seconds:.0f} tokens/s ({seconds / args.steps * 1000:.0f} ms a step)")


if __name__ == "__main__":
    main()
