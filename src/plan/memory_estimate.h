#pragma once
// Bytes one rank holds for one forward (search, evaluation) and for one training step of one
// row of T tokens, buffer by buffer, after the CPU reference backend's layout
// (src/model/cpu/cpu_backend.h: LayerActivations, BackwardBuffers, ForwardState) with the
// backend's element sizes (formulas in src/plan/README.md).
#include <cstdint>

#include "src/model/model_config.h"
#include "src/plan/backend_profile.h"

namespace ropescale::plan {

struct MemoryOptions {
  ElementBytes bytes;
  int64_t logit_chunk_tokens = 0;  // 0 = every scored token at once
  int attention_block_rows = 0;    // per thread; 0 = none (flash attention)
  int threads = 1;                 // threads of one rank, each with its attention scratch
};

// Elements per token of one layer, as the CPU backend stores them.
// Forward working set: norm1, norm2 (D each), roped q and the attention output (heads x
// head_dim each), k, v (kv heads x head_dim each), gate, up, silu(gate) * up (FFN each), and
// the two RMSNorm reciprocals (1 each).
int64_t ForwardLayerElements(const ModelConfig& config);
// Kept for the backward: the above plus the residual stream entering the layer and after
// attention (D each).
int64_t KeptLayerElements(const ModelConfig& config);
// Gradient scratch of the backward: dx, dnorm (D each), dmlp, dgate, dup (FFN each), datt, dq
// (heads x head_dim each), dk, dv (kv heads x head_dim each).
int64_t BackwardLayerElements(const ModelConfig& config);

struct ForwardMemory {
  int64_t weights = 0;            // every parameter
  int64_t residual = 0;           // the residual stream and the cos/sin tables
  int64_t layer = 0;              // one layer's working set, reused layer after layer
  int64_t attention_scratch = 0;  // threads x block rows x T probabilities
  int64_t head = 0;               // final-norm inputs/outputs and logits of one chunk
  int64_t Total() const { return weights + residual + layer + attention_scratch + head; }
};

// One forward-only call on one row of `tokens` tokens, logits at `logit_tokens` positions.
ForwardMemory EstimateForwardMemory(const ModelConfig& config, int64_t tokens, int64_t logit_tokens,
                                    const MemoryOptions& options);

struct TrainingMemory {
  int64_t weights = 0;    // working weights
  int64_t master = 0;     // fp32 master copy (0 when the working weights are it)
  int64_t gradients = 0;  // the flat gradient buffer
  int64_t moments = 0;    // AdamW's m and v
  // Kept between forward and backward: without recomputation every layer's activations;
  // with it only every layer's input. Plus the final residual stream and cos/sin.
  int64_t stored_activations = 0;
  int64_t recomputed_layer = 0;   // with recomputation: one layer's activations, rebuilt
  int64_t backward_scratch = 0;   // one layer's gradient buffers
  int64_t attention_scratch = 0;  // threads x block rows x T, probabilities and their gradient
  int64_t head = 0;               // final-norm buffers, logits and their gradient of one chunk
  int64_t State() const { return weights + master + gradients + moments; }
  int64_t Total() const {
    return State() + stored_activations + recomputed_layer + backward_scratch + attention_scratch +
           head;
  }
};

// One training step (Forward(keep) + Backward + AdamW) on one row of `tokens` tokens with a
// loss at every position; `recompute_layers`: keep only each layer's input and rebuild the
// layer's activations during the backward.
TrainingMemory EstimateTrainingMemory(const ModelConfig& config, int64_t tokens,
                                      bool recompute_layers, const MemoryOptions& options);

// The KV cache of greedy decoding (`eval passkey`) for one row of `tokens` tokens: roped keys
// and values of every layer.
int64_t DecodeCacheBytes(const ModelConfig& config, int64_t tokens, const ElementBytes& bytes);

}  // namespace ropescale::plan
