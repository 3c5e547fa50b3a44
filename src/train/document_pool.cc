#include "src/train/document_pool.h"

#include <algorithm>

namespace ropescale {

DocumentPool::DocumentPool(const Corpus& corpus, int64_t min_tokens) {
  uint64_t total = 0;
  for (const Document& document : corpus.documents) {
    if (static_cast<int64_t>(document.tokens.size()) < min_tokens) continue;
    documents_.push_back(&document);
    cumulative_.push_back(total += document.tokens.size());
  }
}

const Document& DocumentPool::Pick(CounterRng& rng) const {
  const uint64_t pick = rng.Below(cumulative_.back());
  const size_t index =
      std::upper_bound(cumulative_.begin(), cumulative_.end(), pick) - cumulative_.begin();
  return *documents_[index];
}

}  // namespace ropescale
