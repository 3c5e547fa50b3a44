#pragma once
// The incremental-decoding (KV cache) contract of a Backend, for greedy generation in
// evaluation: what a session is (DecodeSpec) and the bookkeeping and checks every backend's
// implementation shares (DecodeCursor), so the CPU and CUDA backends reject the same misuse
// with the same messages. The cache itself lives inside the backend (device memory on a
// device backend); the caller only passes tokens and receives logits (see backend.h).
#include <cstdint>
#include <optional>
#include <vector>

#include "src/model/model_config.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

// One decoding session: `rows` sequences decoded together, each at most `max_len` tokens long
// (prompt plus every token that will be fed), all with the same prompt length (all evaluation
// needs: pass-key prompts are cut to one length).
//
// RoPE: row b uses ropes[b] (or ropes[0] for all rows) at positions 0..max_len-1, with the
// length-dependent choices (longrope's short/long factors, dynamic NTK's base) made ONCE from
// seq_len = max_len, for the prompt and every generated token alike. Hugging Face decides them
// on every call from the current length instead (Phi-3 LongRoPE: long factors once
// seq_len > original_max_position_embeddings) and never re-rotates the cached keys, so a
// generation that crosses that boundary mixes keys rotated with short factors and queries with
// long ones. Fixing the choice at the final length keeps the cache consistent and gives the
// logits a full Forward of the finished sequence would give (seq_len = its length).
struct DecodeSpec {
  int rows = 0;
  int max_len = 0;
  std::vector<RopeSpec> ropes;  // size rows, or 1 for all rows
};

// Throws Error naming the field when the spec does not fit the model (rows or max_len < 1,
// ropes of the wrong count, head_dim or rotary_dim, an invalid RoPE).
void ValidateDecodeSpec(const DecodeSpec& spec, const ModelConfig& config);

// Where a session stands: no session, begun (no prompt yet), or `length()` tokens per row in
// the cache. Every Check leaves the cursor unchanged, so a rejected call keeps the session
// usable.
class DecodeCursor {
 public:
  // Validates the spec and starts a session with an empty cache (replacing any open one).
  void Begin(const DecodeSpec& spec, const ModelConfig& config);
  void End() {
    spec_.reset();
    length_ = 0;
  }

  // Checks a prompt of rows x prompt_len tokens (row-major) and returns prompt_len: a session
  // is open, the size is a positive multiple of rows, prompt_len <= max_len, ids in the
  // vocabulary.
  int CheckPrefill(const std::vector<int32_t>& tokens) const;
  // Checks one token per row for the next step: a prompt was prefilled and max_len leaves room.
  void CheckStep(const std::vector<int32_t>& tokens) const;
  void SetLength(int length) { length_ = length; }

  bool active() const { return spec_.has_value(); }
  const DecodeSpec& spec() const { return *spec_; }
  int length() const { return length_; }  // tokens per row in the cache; 0 = no prompt yet

 private:
  void CheckTokens(const std::vector<int32_t>& tokens, const char* call) const;

  std::optional<DecodeSpec> spec_;
  int vocab_size_ = 0;
  int length_ = 0;
};

}  // namespace ropescale
