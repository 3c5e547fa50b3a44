#pragma once
// Tiny configs, weights and batches for the backend tests.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/core/error.h"
#include "src/core/rng.h"
#include "src/model/backend.h"
#include "src/model/init_parameters.h"
#include "tests/support/tiny_model.h"

namespace ropescale::testing {

inline ModelConfig TinyConfig() {
  return TinyModelConfig({.vocab_size = 32,
                          .hidden_size = 16,
                          .intermediate_size = 24,
                          .num_layers = 2,
                          .num_heads = 4,
                          .num_kv_heads = 2,
                          .head_dim = 8,
                          .max_position_embeddings = 256});
}

// Weights with larger spread than the 0.02 initialisation, so every path carries signal and
// gradients are well above fp32 rounding; norm weights around 1.
inline ParameterSet SpreadParameters(const ModelConfig& config, uint64_t seed, double std = 0.3) {
  ParameterSet params = InitParameters(config, seed);
  CounterRng rng(seed, 99);
  for (auto& [name, tensor] : params) {
    for (float& x : tensor.data) {
      x = tensor.shape.size() == 1 ? static_cast<float>(1.0 + 0.2 * rng.Normal())
                                   : static_cast<float>(x * (std / kInitStddev));
    }
  }
  return params;
}

inline Batch RandomBatch(const ModelConfig& config, int batch_size, int seq_len, uint64_t seed) {
  CounterRng rng(seed, 7);
  Batch b;
  b.batch_size = batch_size;
  b.seq_len = seq_len;
  for (int i = 0; i < batch_size * seq_len; ++i) {
    b.tokens.push_back(static_cast<int32_t>(rng.Below(config.vocab_size)));
  }
  b.targets.assign(b.tokens.size(), kIgnoreTarget);
  for (int r = 0; r < batch_size; ++r) {
    for (int t = 0; t + 1 < seq_len; ++t)
      b.targets[r * seq_len + t] = b.tokens[r * seq_len + t + 1];
  }
  b.ropes = {config.rope};
  return b;
}

// Runs f and expects an Error whose message contains `field` (a field name or a phrase).
inline void ExpectErrorNaming(const std::function<void()>& f, const std::string& field) {
  try {
    f();
    FAIL() << "expected an error naming " << field;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  }
}

}  // namespace ropescale::testing
