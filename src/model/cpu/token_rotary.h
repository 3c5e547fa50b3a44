#pragma once
// The cos/sin of every token of a batch: row b uses batch.ropes[b] (or ropes[0]) at its own
// position ids, with the longrope short/long switch at seq_len = max position id + 1 of the row
// (as Hugging Face decides it from position_ids).
#include <vector>

#include "src/model/batch.h"

namespace ropescale::cpu {

struct TokenRotary {
  int half = 0;            // rotary_dim / 2, the same for every row
  std::vector<float> cos;  // [B*T, half]
  std::vector<float> sin;  // [B*T, half]
};

// Throws Error when a row's RoPE has another head_dim or rotary_dim than the model.
TokenRotary BuildTokenRotary(const Batch& batch, int head_dim);

}  // namespace ropescale::cpu
