#pragma once
// The small config the plan's FLOP and memory tests count by hand: GQA, FFN != 4 D, a vocab
// that is a multiple of nothing, so every term has its own size.
#include "tests/support/tiny_model.h"

namespace ropescale::plan {

// D 24, heads 6 x 8 = 48 (q), kv 2 x 8 = 16, FFN 56, vocab 37, 3 layers, rotary 8.
inline ModelConfig SmallConfig() {
  return testing::TinyModelConfig({.vocab_size = 37,
                                   .hidden_size = 24,
                                   .intermediate_size = 56,
                                   .num_layers = 3,
                                   .num_heads = 6,
                                   .num_kv_heads = 2,
                                   .head_dim = 8,
                                   .max_position_embeddings = 256});
}

}  // namespace ropescale::plan
