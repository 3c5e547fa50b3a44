#include "src/plan/memory_estimate.h"

#include <algorithm>

namespace ropescale::plan {
namespace {

struct Dims {
  int64_t hidden, ffn, q, kv, vocab, layers, rotary;
};

Dims DimsOf(const ModelConfig& c) {
  return Dims{c.hidden_size,
              c.intermediate_size,
              int64_t{c.num_heads} * c.head_dim,
              int64_t{c.num_kv_heads} * c.head_dim,
              c.vocab_size,
              c.num_layers,
              c.rope.rotary_dim()};
}

// Logit rows held at once out of `scored`.
int64_t ChunkRows(int64_t scored, int64_t chunk) {
  return chunk > 0 ? std::min(scored, chunk) : scored;
}

}  // namespace

int64_t ForwardLayerElements(const ModelConfig& c) {
  const Dims d = DimsOf(c);
  return 2 * d.hidden + 2 * d.q + 2 * d.kv + 3 * d.ffn + 2;
}

int64_t KeptLayerElements(const ModelConfig& c) {
  return ForwardLayerElements(c) + 2 * int64_t{c.hidden_size};
}

int64_t BackwardLayerElements(const ModelConfig& c) {
  const Dims d = DimsOf(c);
  return 2 * d.hidden + 3 * d.ffn + 2 * d.q + 2 * d.kv;
}

ForwardMemory EstimateForwardMemory(const ModelConfig& c, int64_t tokens, int64_t logit_tokens,
                                    const MemoryOptions& o) {
  const Dims d = DimsOf(c);
  const int64_t act = o.bytes.activation;
  const int64_t rows = ChunkRows(logit_tokens, o.logit_chunk_tokens);
  ForwardMemory m;
  m.weights = ParameterCount(c) * o.bytes.weight;
  m.residual = tokens * (d.hidden + d.rotary) * act;
  m.layer = tokens * ForwardLayerElements(c) * act;
  m.attention_scratch = int64_t{o.threads} * o.attention_block_rows * tokens * act;
  m.head = rows * (2 * d.hidden + 1) * act + rows * d.vocab * o.bytes.logit;
  return m;
}

TrainingMemory EstimateTrainingMemory(const ModelConfig& c, int64_t tokens, bool recompute_layers,
                                      const MemoryOptions& o) {
  const Dims d = DimsOf(c);
  const int64_t act = o.bytes.activation;
  const int64_t params = ParameterCount(c);
  const int64_t rows = ChunkRows(tokens, o.logit_chunk_tokens);
  TrainingMemory m;
  m.weights = params * o.bytes.weight;
  m.master = params * o.bytes.master;
  m.gradients = params * o.bytes.gradient;
  m.moments = 2 * params * o.bytes.moment;
  const int64_t per_layer = recompute_layers ? d.hidden : KeptLayerElements(c);
  m.stored_activations = (d.layers * per_layer + d.hidden + d.rotary) * tokens * act;
  m.recomputed_layer = recompute_layers ? KeptLayerElements(c) * tokens * act : 0;
  m.backward_scratch = BackwardLayerElements(c) * tokens * act;
  m.attention_scratch = 2 * int64_t{o.threads} * o.attention_block_rows * tokens * act;
  // Forward: final-norm input, output, reciprocal and logits; backward: their gradients (the
  // logits' and the two hidden-size ones).
  m.head = rows * (4 * d.hidden + 1) * act + 2 * rows * d.vocab * o.bytes.logit;
  return m;
}

int64_t DecodeCacheBytes(const ModelConfig& c, int64_t tokens, const ElementBytes& bytes) {
  const Dims d = DimsOf(c);
  return 2 * d.layers * tokens * d.kv * bytes.activation;
}

}  // namespace ropescale::plan
