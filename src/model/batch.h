#pragma once
// One batch for a backend: B rows of T tokens, with per-token loss weights, optional packed
// documents, and a RoPE per row (the mixed-window trainer puts short rows on the original RoPE
// and long rows on the rescaled one in the same batch).
#include <cstdint>
#include <vector>

#include "src/rope/rope_spec.h"

namespace ropescale {

inline constexpr int32_t kIgnoreTarget = -1;

struct Batch {
  int batch_size = 0;
  int seq_len = 0;
  std::vector<int32_t> tokens;   // [B*T] input ids
  std::vector<int32_t> targets;  // [B*T] next-token ids; kIgnoreTarget = no loss
  // [B*T] loss weight per token; empty = 1 wherever target != kIgnoreTarget.
  std::vector<float> loss_weights;
  // [B*T] position ids (restart at 0 for each packed document); empty = 0..T-1 on every row.
  std::vector<int32_t> positions;
  // [B*T] document ids for packing: a token attends only to earlier tokens with the same id.
  // Empty = one document per row.
  std::vector<int32_t> segment_ids;
  // RoPE per row: size B, or size 1 for all rows. The short/long switch of longrope follows
  // HF: seq_len = max position id + 1 of that row.
  std::vector<RopeSpec> ropes;
};

// Throws Error naming the field when sizes or ids are inconsistent with the vocabulary.
void ValidateBatch(const Batch& batch, int vocab_size);

// A batch for scoring one sequence as transformers does with labels = input_ids:
// targets are the tokens shifted by one; the last position has no target.
Batch MakeCausalLmBatch(const std::vector<int32_t>& tokens, const RopeSpec& rope);

}  // namespace ropescale
