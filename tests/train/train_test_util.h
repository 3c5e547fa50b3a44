#pragma once
// Shared pieces of the trainer tests: a small repetitive corpus, a tiny byte-level base model
// (context L = 32) and a longrope RoPE for it with distinct short and long factors.
#include <filesystem>
#include <string>

#include "io/checkpoint.h"
#include "io/tokenizer.h"
#include "src/eval/corpus.h"
#include "src/model/init_parameters.h"
#include "src/train/pretrain.h"

namespace ropescale::testing {

inline Corpus SmallCorpus(size_t bytes_per_document = 4000) {
  const char* lines[] = {"Shall I compare thee to a summer's day? ",
                         "Thou art more lovely and more temperate: ",
                         "Rough winds do shake the darling buds of May, "};
  Corpus corpus;
  for (int d = 0; d < 3; ++d) {
    std::string text;
    for (int i = 0; text.size() < bytes_per_document; ++i) text += lines[(d + i) % 3];
    corpus.documents.push_back({"doc" + std::to_string(d), ByteTokenizer().Encode(text)});
  }
  return corpus;
}

// hidden 16, 2 layers, 2 heads (head_dim 8: 4 frequencies), 1 kv head, ffn 32, window 32.
inline Checkpoint TinyBaseModel(int window = 32, uint64_t seed = 3) {
  Checkpoint base;
  base.config = MakeTinyModelConfig(16, 2, 2, 1, 32, window);
  base.weights = InitParameters(base.config, seed);
  return base;
}

// longrope for target `target` over the window: short factors {1, 1.5, 2, 2.5}, long factors
// {1, 2, 4, 8}, attention factor by HF's formula (factor = target / window).
inline RopeSpec TinyLongRope(const ModelConfig& config, int target = 128) {
  RopeSpec rope = config.rope;
  rope.kind = RopeKind::kLongRope;
  rope.original_max_position_embeddings = config.rope.max_position_embeddings;
  rope.max_position_embeddings = target;
  rope.factor = static_cast<double>(target) / config.rope.max_position_embeddings;
  rope.short_factor = {1.0, 1.5, 2.0, 2.5};
  rope.long_factor = {1.0, 2.0, 4.0, 8.0};
  return rope;
}

inline std::filesystem::path TempPath(const std::string& name) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("ropescale_train_test_" + name);
  std::filesystem::remove_all(path);
  return path;
}

}  // namespace ropescale::testing
