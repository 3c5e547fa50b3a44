#pragma once
// The documents a trainer draws rows from: those with at least `min_tokens` tokens, each picked
// with probability proportional to its length (one Below(total tokens) draw).
#include <cstdint>
#include <vector>

#include "src/core/rng.h"
#include "src/eval/corpus.h"

namespace ropescale {

class DocumentPool {
 public:
  // `corpus` must outlive the pool.
  DocumentPool(const Corpus& corpus, int64_t min_tokens);
  bool empty() const { return documents_.empty(); }
  const Document& Pick(CounterRng& rng) const;

 private:
  std::vector<const Document*> documents_;
  std::vector<uint64_t> cumulative_;  // cumulative token counts
};

}  // namespace ropescale
