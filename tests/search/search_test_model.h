#pragma once
// The tiny random model that the serial and the MPI search tests score candidates with.
#include "tests/support/tiny_model.h"

namespace ropescale::search {

// Vocab 64, hidden 32, FFN 64, 2 layers of 2 heads of 16, context 16.
inline ModelConfig SearchTestConfig() {
  return testing::TinyModelConfig({.vocab_size = 64,
                                   .hidden_size = 32,
                                   .intermediate_size = 64,
                                   .num_layers = 2,
                                   .num_heads = 2,
                                   .num_kv_heads = 2,
                                   .head_dim = 16,
                                   .max_position_embeddings = 16});
}

}  // namespace ropescale::search
