#pragma once
// Tiny random models shared by tests and benchmarks: a default RoPE, a LLaMA-shaped
// ModelConfig from a handful of sizes, and a CPU backend holding InitParameters weights.
#include <cstdint>
#include <memory>

#include "src/model/backend.h"
#include "src/model/init_parameters.h"
#include "src/model/model_config.h"
#include "src/rope/rope_spec.h"

namespace ropescale::testing {

// The sizes that differ between the tiny models of the tests and benchmarks.
struct TinyShape {
  int vocab_size = 0;
  int hidden_size = 0;
  int intermediate_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int max_position_embeddings = 0;
};

// A default (unscaled) RoPE with base 10000.
inline RopeSpec TinyRope(int head_dim, double partial_rotary_factor = 1.0,
                         int max_position_embeddings = 256) {
  RopeSpec rope;
  rope.head_dim = head_dim;
  rope.base = 10000.0;
  rope.partial_rotary_factor = partial_rotary_factor;
  rope.max_position_embeddings = max_position_embeddings;
  return rope;
}

// A model of the given sizes with TinyRope(head_dim) over max_position_embeddings; every other
// field keeps its ModelConfig default.
inline ModelConfig TinyModelConfig(const TinyShape& shape) {
  ModelConfig config;
  config.vocab_size = shape.vocab_size;
  config.hidden_size = shape.hidden_size;
  config.intermediate_size = shape.intermediate_size;
  config.num_layers = shape.num_layers;
  config.num_heads = shape.num_heads;
  config.num_kv_heads = shape.num_kv_heads;
  config.head_dim = shape.head_dim;
  config.rope = TinyRope(shape.head_dim, 1.0, shape.max_position_embeddings);
  return config;
}

// A CPU backend with InitParameters(config, seed) weights; threads = 0 uses every core.
inline std::unique_ptr<Backend> TinyBackend(const ModelConfig& config, uint64_t seed, int threads) {
  auto backend = CreateBackend(config, BackendOptions{"cpu", threads, 0});
  backend->SetParameters(InitParameters(config, seed));
  return backend;
}

}  // namespace ropescale::testing
