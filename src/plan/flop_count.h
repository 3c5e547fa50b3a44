#pragma once
// Floating-point operations of one forward and one training step of a LLaMA-family decoder on
// one row of T tokens, counted from the model's shape (formulas in src/plan/README.md). Matmul
// FLOPs only: 2 per multiply-add of every projection, of the lm_head and of the two attention
// products (Q K^T and P V, causal: query i meets keys 0..i); norms, RoPE, SwiGLU, softmax and
// the loss are left out (the softmax, about 5 FLOP per attention score against 4 x head_dim,
// is most of them: about 1% of a LLaMA-3-8B forward at 128K, 2% of the tiny model's at 2048).
#include <cstdint>

#include "src/model/model_config.h"

namespace ropescale::plan {

// Weights one token multiplies through in one decoder layer: q, k, v, o and gate, up, down.
int64_t LayerMatmulWeights(const ModelConfig& config);
// Weights one token multiplies through in the lm_head (the tied embedding when tied).
int64_t HeadMatmulWeights(const ModelConfig& config);

struct ForwardFlops {
  double layer_matmuls = 0;  // 2 T L LayerMatmulWeights
  double attention = 0;      // 2 L heads head_dim T (T + 1): Q K^T and P V, causal
  double head = 0;           // 2 logit_tokens HeadMatmulWeights
  double Total() const { return layer_matmuls + attention + head; }
};

// One forward of one row of `tokens` tokens whose logits are computed at `logit_tokens`
// positions (T for perplexity and training; the answer tokens for a needle loss).
ForwardFlops CountForwardFlops(const ModelConfig& config, int64_t tokens, int64_t logit_tokens);

struct TrainingStepFlops {
  ForwardFlops forward;  // logits at every position
  // 2 (layer_matmuls + head) (the input and the weight gradient of each product) + 2.5
  // attention (the backward recomputes P = softmax(Q K^T) and forms dP = dO V^T, dV = P^T dO,
  // dQ = dS K, dK = dS^T Q: five products against the forward's two).
  double backward = 0;
  // Per-layer activation recomputation: every layer's forward once more during the backward
  // (layer_matmuls + attention; the head is not recomputed). 0 without recomputation.
  double recompute = 0;
  double Total() const { return forward.Total() + backward + recompute; }
};

// One training step (forward, backward, no optimizer: AdamW is O(parameters)) of one row of
// `tokens` tokens with a loss at every position.
TrainingStepFlops CountTrainingStepFlops(const ModelConfig& config, int64_t tokens,
                                         bool recompute_layers);

}  // namespace ropescale::plan
