#pragma once
// A corpus: a list of documents read from a folder of text files, tokenized. Evaluation cuts
// perplexity windows and needle documents from it; the pretrainer draws training windows from it.
#include <cstdint>
#include <string>
#include <vector>

#include "io/tokenizer.h"

namespace ropescale {

struct Document {
  std::string name;             // file name without the folder and the ".txt" suffix
  std::vector<int32_t> tokens;  // the whole file, tokenized
};

struct Corpus {
  std::vector<Document> documents;  // sorted by name, so indices are stable
  int64_t TotalTokens() const;
};

// Reads every "*.txt" file directly inside `folder` (sorted by file name), tokenized with
// `tokenizer`. Throws Error naming the folder when it is missing or holds no non-empty file.
Corpus ReadCorpus(const std::string& folder, const Tokenizer& tokenizer);

// Only the documents with at least `min_tokens` tokens (e.g. those long enough for a window).
// Throws Error naming `what` when none is left.
Corpus DocumentsAtLeast(const Corpus& corpus, int64_t min_tokens, const std::string& what);

}  // namespace ropescale
