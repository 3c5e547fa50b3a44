#include "src/train/training_corpus.h"

#include <filesystem>

#include "io/token_shards.h"
#include "io/tokenizer_registry.h"
#include "src/core/error.h"

namespace ropescale {

Corpus LoadTrainingCorpus(const std::string& path, const Tokenizer& tokenizer) {
  Check(std::filesystem::exists(path), "training data {}: no such file or folder", path);
  if (std::filesystem::is_directory(path)) return ReadCorpus(path, tokenizer);
  Check(IsTokenShardFile(path),
        "training data {}: neither a folder of *.txt files nor a token-shard file "
        "(`ropescale tokenize`)",
        path);
  const TokenShards shards = ReadTokenShards(path);
  CheckSameTokenizer(tokenizer.Identity(),
                     {shards.tokenizer_name, shards.vocab_size, shards.tokenizer_identity},
                     "training data " + path);
  Corpus corpus;
  corpus.documents.reserve(shards.NumDocuments());
  for (int64_t d = 0; d < shards.NumDocuments(); ++d) {
    const std::span<const int32_t> tokens = shards.Document(d);
    corpus.documents.push_back({shards.doc_names[d], {tokens.begin(), tokens.end()}});
  }
  Check(!corpus.documents.empty(), "training data {}: holds no document", path);
  return corpus;
}

}  // namespace ropescale
