#include "src/train/training_corpus.h"

#include <filesystem>

#include "src/core/error.h"

namespace ropescale {

Corpus LoadTrainingCorpus(const std::string& path, const Tokenizer& tokenizer) {
  Check(std::filesystem::exists(path), "training data {}: no such file or folder", path);
  if (std::filesystem::is_directory(path)) return ReadCorpus(path, tokenizer);
  Fail("training data {}: neither a folder of *.txt files nor a token-shard file", path);
}

}  // namespace ropescale
