#include "src/model/batch.h"

#include <cmath>

#include "src/core/error.h"

namespace ropescale {
namespace {

template <typename V>
void CheckPerToken(const V& values, int64_t expected, const char* field, bool may_be_empty) {
  if (may_be_empty && values.empty()) return;
  Check(static_cast<int64_t>(values.size()) == expected,
        "batch: {} has {} entries, expected batch_size * seq_len = {}", field, values.size(),
        expected);
}

}  // namespace

void ValidateBatch(const Batch& batch, int vocab_size) {
  Check(batch.batch_size > 0, "batch: batch_size must be positive (got {})", batch.batch_size);
  Check(batch.seq_len > 0, "batch: seq_len must be positive (got {})", batch.seq_len);
  const int64_t n = static_cast<int64_t>(batch.batch_size) * batch.seq_len;
  CheckPerToken(batch.tokens, n, "tokens", false);
  CheckPerToken(batch.targets, n, "targets", false);
  CheckPerToken(batch.loss_weights, n, "loss_weights", true);
  CheckPerToken(batch.positions, n, "positions", true);
  CheckPerToken(batch.segment_ids, n, "segment_ids", true);
  for (int64_t i = 0; i < n; ++i) {
    Check(batch.tokens[i] >= 0 && batch.tokens[i] < vocab_size,
          "batch: tokens[{}] = {} is outside the vocabulary [0, {})", i, batch.tokens[i],
          vocab_size);
    Check(batch.targets[i] == kIgnoreTarget ||
              (batch.targets[i] >= 0 && batch.targets[i] < vocab_size),
          "batch: targets[{}] = {} is neither {} nor in [0, {})", i, batch.targets[i],
          kIgnoreTarget, vocab_size);
  }
  for (size_t i = 0; i < batch.loss_weights.size(); ++i) {
    Check(std::isfinite(batch.loss_weights[i]) && batch.loss_weights[i] >= 0.0f,
          "batch: loss_weights[{}] = {} must be finite and non-negative", i, batch.loss_weights[i]);
  }
  for (size_t i = 0; i < batch.positions.size(); ++i) {
    Check(batch.positions[i] >= 0, "batch: positions[{}] = {} is negative", i, batch.positions[i]);
  }
  Check(batch.ropes.size() == 1 || static_cast<int>(batch.ropes.size()) == batch.batch_size,
        "batch: ropes has {} entries, expected 1 or batch_size = {}", batch.ropes.size(),
        batch.batch_size);
  for (const RopeSpec& rope : batch.ropes) ValidateRopeSpec(rope);
}

Batch MakeCausalLmBatch(const std::vector<int32_t>& tokens, const RopeSpec& rope) {
  Check(!tokens.empty(), "MakeCausalLmBatch: tokens is empty");
  Batch batch;
  batch.batch_size = 1;
  batch.seq_len = static_cast<int>(tokens.size());
  batch.tokens = tokens;
  batch.targets.assign(tokens.size(), kIgnoreTarget);
  for (size_t i = 0; i + 1 < tokens.size(); ++i) batch.targets[i] = tokens[i + 1];
  batch.ropes = {rope};
  return batch;
}

}  // namespace ropescale
