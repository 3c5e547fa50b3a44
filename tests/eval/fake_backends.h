#pragma once
// Fake models for the retrieval tests: backends whose only working calls are Forward with
// want_last_logits and incremental decoding, each row's last logits putting the maximum (5, the
// rest 0) on the token a rule picks from the row's tokens so far. The rules are honest models:
// they see only the prefix.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "src/model/backend.h"

namespace ropescale::testing {

class NextTokenModel : public Backend {
 public:
  NextTokenModel() { config_.vocab_size = 256; }
  // The token this model writes after `prefix`.
  virtual int32_t Next(std::span<const int32_t> prefix) const = 0;

  std::string Name() const override { return "scripted"; }
  const ModelConfig& Config() const override { return config_; }
  void SetParameters(const ParameterSet&) override {}
  ParameterSet GetParameters() const override { return {}; }
  bool AllFinite() const override { return true; }
  ForwardOutput Forward(const Batch& batch, const ForwardOptions& options) override {
    ForwardOutput out;
    if (!options.want_last_logits) return out;
    for (int row = 0; row < batch.batch_size; ++row) {
      const std::span<const int32_t> tokens(batch.tokens.data() + int64_t{row} * batch.seq_len,
                                            batch.seq_len);
      std::vector<float> logits(config_.vocab_size, 0.0f);
      logits[Next(tokens)] = 5.0f;
      out.last_logits.insert(out.last_logits.end(), logits.begin(), logits.end());
    }
    ++forwards_;
    return out;
  }
  void BeginDecode(const DecodeSpec& spec) override {
    rows_.assign(spec.rows, {});
    ++sessions_;
  }
  std::vector<float> Prefill(const std::vector<int32_t>& tokens) override {
    const size_t per_row = tokens.size() / rows_.size();
    for (size_t r = 0; r < rows_.size(); ++r) {
      rows_[r].assign(tokens.begin() + r * per_row, tokens.begin() + (r + 1) * per_row);
    }
    return RowLogits();
  }
  std::vector<float> DecodeStep(const std::vector<int32_t>& tokens) override {
    for (size_t r = 0; r < rows_.size(); ++r) rows_[r].push_back(tokens[r]);
    return RowLogits();
  }
  void EndDecode() override { rows_.clear(); }
  void Backward(double) override {}
  void ZeroGradients() override {}
  BufferView GradientBuffer() override { return {}; }
  ParameterSet GetGradients() const override { return {}; }
  void SetGradients(const ParameterSet&) override {}
  double OptimizerStep(const AdamWConfig&, double) override { return 0.0; }
  OptimizerState GetOptimizerState() const override { return {}; }
  void SetOptimizerState(const OptimizerState&) override {}

  int forwards() const { return forwards_; }
  int sessions() const { return sessions_; }

 private:
  std::vector<float> RowLogits() const {
    std::vector<float> logits(rows_.size() * config_.vocab_size, 0.0f);
    for (size_t r = 0; r < rows_.size(); ++r)
      logits[r * config_.vocab_size + Next(rows_[r])] = 5.0f;
    return logits;
  }

  ModelConfig config_;
  int forwards_ = 0;
  int sessions_ = 0;
  std::vector<std::vector<int32_t>> rows_;
};

// Always writes `token`.
class ConstantModel final : public NextTokenModel {
 public:
  explicit ConstantModel(int32_t token) : token_(token) {}
  int32_t Next(std::span<const int32_t>) const override { return token_; }

 private:
  int32_t token_;
};

// An induction-head copier: finds the latest earlier place where the longest suffix of the
// prefix occurred before and writes the token that followed it. After any needle format's
// question ("... The pass key is ", "... for river is: ", "... of the candle is ") that place
// is the needle, so it copies the key digit by digit. With `miss_odd_first_digit`, when what it
// would copy follows a space and is an odd digit (a key's first digit), it writes the next
// digit instead: those keys are missed by exactly one digit.
class CopyingModel final : public NextTokenModel {
 public:
  explicit CopyingModel(bool miss_odd_first_digit = false)
      : miss_odd_first_digit_(miss_odd_first_digit) {}
  int32_t Next(std::span<const int32_t> prefix) const override {
    const int n = static_cast<int>(prefix.size());
    int best_length = 0, best_end = -1;
    for (int end = n - 2; end >= 0; --end) {  // match prefix[.. end] against prefix[.. n-1]
      int length = 0;
      while (length <= end && prefix[end - length] == prefix[n - 1 - length]) ++length;
      if (length > best_length) {
        best_length = length;
        best_end = end;
      }
    }
    if (best_end < 0) return ' ';
    const int32_t copied = prefix[best_end + 1];
    if (miss_odd_first_digit_ && prefix[n - 1] == ' ' && copied >= '0' && copied <= '9' &&
        (copied - '0') % 2 == 1) {
      return '0' + (copied - '0' + 1) % 10;
    }
    return copied;
  }

 private:
  bool miss_odd_first_digit_;
};

}  // namespace ropescale::testing
