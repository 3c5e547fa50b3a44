#include "src/model/decode.h"

#include "src/core/error.h"
#include "src/model/backend.h"

namespace ropescale {

void ValidateDecodeSpec(const DecodeSpec& spec, const ModelConfig& config) {
  Check(spec.rows >= 1, "decode: rows must be positive (got {})", spec.rows);
  Check(spec.max_len >= 1, "decode: max_len must be positive (got {})", spec.max_len);
  Check(spec.ropes.size() == 1 || static_cast<int>(spec.ropes.size()) == spec.rows,
        "decode: ropes has {} entries, expected 1 or rows = {}", spec.ropes.size(), spec.rows);
  for (size_t b = 0; b < spec.ropes.size(); ++b) {
    const RopeSpec& rope = spec.ropes[b];
    ValidateRopeSpec(rope);
    Check(rope.head_dim == config.head_dim,
          "decode: ropes[{}].head_dim = {} but the model has head_dim {}", b, rope.head_dim,
          config.head_dim);
    Check(rope.rotary_dim() == spec.ropes[0].rotary_dim(),
          "decode: ropes[{}] rotates {} dims but ropes[0] rotates {}: rows must share rotary_dim",
          b, rope.rotary_dim(), spec.ropes[0].rotary_dim());
  }
}

void DecodeCursor::Begin(const DecodeSpec& spec, const ModelConfig& config) {
  ValidateDecodeSpec(spec, config);
  spec_ = spec;
  vocab_size_ = config.vocab_size;
  length_ = 0;
}

void DecodeCursor::CheckTokens(const std::vector<int32_t>& tokens, const char* call) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    Check(tokens[i] >= 0 && tokens[i] < vocab_size_,
          "{}: tokens[{}] = {} is outside the vocabulary [0, {})", call, i, tokens[i], vocab_size_);
  }
}

int DecodeCursor::CheckPrefill(const std::vector<int32_t>& tokens) const {
  Check(active(), "Prefill: no decode session (call BeginDecode first)");
  const int64_t size = static_cast<int64_t>(tokens.size());
  Check(size > 0 && size % spec_->rows == 0,
        "Prefill: {} tokens is not rows x prompt_len for rows = {} (rows share the prompt length)",
        size, spec_->rows);
  const int64_t prompt_len = size / spec_->rows;
  Check(prompt_len <= spec_->max_len, "Prefill: prompt_len = {} exceeds max_len = {}", prompt_len,
        spec_->max_len);
  CheckTokens(tokens, "Prefill");
  return static_cast<int>(prompt_len);
}

void DecodeCursor::CheckStep(const std::vector<int32_t>& tokens) const {
  Check(active(), "DecodeStep: no decode session (call BeginDecode first)");
  Check(length_ > 0, "DecodeStep: no prompt in the cache (call Prefill first)");
  Check(static_cast<int>(tokens.size()) == spec_->rows,
        "DecodeStep: got {} tokens, expected one per row (rows = {})", tokens.size(), spec_->rows);
  Check(length_ < spec_->max_len,
        "DecodeStep: the rows hold {} tokens already, max_len = {} leaves no room for another",
        length_, spec_->max_len);
  CheckTokens(tokens, "DecodeStep");
}

// A backend without incremental decoding rejects every call but EndDecode.
void Backend::BeginDecode(const DecodeSpec&) {
  Fail("backend {} has no incremental decoding (BeginDecode)", Name());
}
std::vector<float> Backend::Prefill(const std::vector<int32_t>&) {
  Fail("backend {} has no incremental decoding (Prefill)", Name());
}
std::vector<float> Backend::DecodeStep(const std::vector<int32_t>&) {
  Fail("backend {} has no incremental decoding (DecodeStep)", Name());
}

}  // namespace ropescale
