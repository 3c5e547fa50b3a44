#include "src/eval/corpus.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "src/core/error.h"

namespace ropescale {

int64_t Corpus::TotalTokens() const {
  int64_t total = 0;
  for (const Document& document : documents) total += static_cast<int64_t>(document.tokens.size());
  return total;
}

Corpus ReadCorpus(const std::string& folder, const Tokenizer& tokenizer) {
  namespace fs = std::filesystem;
  std::error_code error;
  Check(fs::is_directory(folder, error), "corpus {}: not a folder", folder);
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".txt")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  Corpus corpus;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    Check(in.good(), "corpus {}: cannot open {}", folder, file.string());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Check(!in.bad(), "corpus {}: error reading {}", folder, file.string());
    if (text.empty()) continue;
    corpus.documents.push_back({file.stem().string(), tokenizer.Encode(text)});
  }
  Check(!corpus.documents.empty(), "corpus {}: no non-empty *.txt file", folder);
  return corpus;
}

Corpus DocumentsAtLeast(const Corpus& corpus, int64_t min_tokens, const std::string& what) {
  Corpus kept;
  for (const Document& document : corpus.documents) {
    if (static_cast<int64_t>(document.tokens.size()) >= min_tokens)
      kept.documents.push_back(document);
  }
  Check(!kept.documents.empty(), "{}: no document has at least {} tokens", what, min_tokens);
  return kept;
}

}  // namespace ropescale
