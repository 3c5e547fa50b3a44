#pragma once
// Shared helpers for the io tests: a scratch folder, a tiny model, and error-message checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "io/hf_model.h"
#include "src/core/error.h"
#include "src/core/rng.h"

namespace ropescale::testing {

// A fresh folder under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            (std::string("ropescale_io_") + info->test_suite_name() + "_" + info->name() + "_" +
             std::to_string(getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A small GQA model with a LongRoPE2 RoPE whose every field differs from its default.
inline ModelConfig TinyConfig() {
  ModelConfig c;
  c.vocab_size = 48;
  c.hidden_size = 16;
  c.intermediate_size = 40;
  c.num_layers = 2;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.head_dim = 8;
  c.rms_norm_eps = 3e-6;
  c.bos_token_id = 1;
  c.eos_token_id = 7;
  c.rope.kind = RopeKind::kLongRope2;
  c.rope.base = 50000.0;
  c.rope.head_dim = 8;
  c.rope.max_position_embeddings = 256;
  c.rope.original_max_position_embeddings = 32;
  c.rope.factor = 8.0;
  c.rope.attention_factor = 1.25;
  c.rope.long_factor = {1.0, 2.5, 6.125, 8.0};
  c.rope.short_factor = {1.0, 1.0, 1.5, 2.0};
  c.rope.n_hat = 4;
  c.rope.critical_index = 2;
  return c;
}

// Weights with normal(0, 0.5) values from the counter RNG (seeded per tensor index).
inline ParameterSet RandomWeights(const ModelConfig& config, uint64_t seed) {
  ParameterSet weights;
  uint64_t stream = 0;
  for (const auto& [name, shape] : ParameterShapes(config)) {
    Tensor tensor(shape);
    CounterRng rng(seed, stream++);
    for (float& value : tensor.data) value = static_cast<float>(0.5 * rng.Normal());
    weights[name] = std::move(tensor);
  }
  return weights;
}

// A HF-exportable config (LongRoPE without n_hat/critical index) and weights stored in `dtype`.
inline Checkpoint MakeHfCheckpoint(const std::string& dtype) {
  Checkpoint checkpoint;
  checkpoint.config = TinyConfig();
  checkpoint.config.rope.kind = RopeKind::kLongRope;
  checkpoint.config.rope.n_hat = 0;
  checkpoint.config.rope.critical_index = -1;
  checkpoint.weights = RandomWeights(checkpoint.config, 21);
  CastWeights(checkpoint, dtype);
  return checkpoint;
}

// Runs `action`, expects a ropescale::Error whose message contains every string in `parts`.
inline void ExpectErrorWith(const std::function<void()>& action,
                            const std::vector<std::string>& parts) {
  try {
    action();
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const std::string& part : parts) {
      EXPECT_NE(message.find(part), std::string::npos)
          << "message \"" << message << "\" lacks \"" << part << "\"";
    }
    EXPECT_EQ(message.find('\n'), std::string::npos) << "message spans lines: " << message;
    return;
  }
  ADD_FAILURE() << "no ropescale::Error thrown (expected one mentioning " << parts.front() << ")";
}

}  // namespace ropescale::testing
