#include "src/plan/flop_count.h"

namespace ropescale::plan {

int64_t LayerMatmulWeights(const ModelConfig& c) {
  const int64_t hidden = c.hidden_size;
  const int64_t q_dim = int64_t{c.num_heads} * c.head_dim;
  const int64_t kv_dim = int64_t{c.num_kv_heads} * c.head_dim;
  const int64_t attention = hidden * q_dim + 2 * hidden * kv_dim + q_dim * hidden;
  const int64_t mlp = 3 * hidden * c.intermediate_size;
  return attention + mlp;
}

int64_t HeadMatmulWeights(const ModelConfig& c) { return int64_t{c.vocab_size} * c.hidden_size; }

ForwardFlops CountForwardFlops(const ModelConfig& c, int64_t tokens, int64_t logit_tokens) {
  const double t = static_cast<double>(tokens);
  ForwardFlops f;
  f.layer_matmuls = 2.0 * t * c.num_layers * static_cast<double>(LayerMatmulWeights(c));
  // Per layer and query head, sum over i of (i + 1) keys x head_dim multiply-adds, for Q K^T
  // and again for P V: 2 products x 2 FLOP x head_dim x T (T + 1) / 2.
  f.attention = 2.0 * c.num_layers * c.num_heads * static_cast<double>(c.head_dim) * t * (t + 1.0);
  f.head = 2.0 * static_cast<double>(logit_tokens) * static_cast<double>(HeadMatmulWeights(c));
  return f;
}

TrainingStepFlops CountTrainingStepFlops(const ModelConfig& c, int64_t tokens,
                                         bool recompute_layers) {
  TrainingStepFlops s;
  s.forward = CountForwardFlops(c, tokens, tokens);
  s.backward = 2.0 * (s.forward.layer_matmuls + s.forward.head) + 2.5 * s.forward.attention;
  s.recompute = recompute_layers ? s.forward.layer_matmuls + s.forward.attention : 0.0;
  return s;
}

}  // namespace ropescale::plan
