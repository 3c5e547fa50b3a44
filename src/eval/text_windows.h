#pragma once
// Plain perplexity windows: spans of exactly T consecutive tokens cut from documents. Scored as
// transformers does with labels = input_ids: T - 1 predictions per window.
#include <cstdint>
#include <string>
#include <vector>

#include "src/eval/corpus.h"

namespace ropescale {

// `count` windows of `length` tokens: window i comes from corpus document (i mod N) among the
// N documents with at least `length` tokens, at a start drawn with
// CounterRng(seed, StreamId({kWindowStreamTag, i})).Below(|doc| - length + 1). A pure function
// of (corpus, count, length, seed); window i does not depend on count.
inline constexpr uint64_t kWindowStreamTag = 0x77696e30ull;  // "win0"
// When `sources` is given it receives, per window, its document's name and first token.
struct TextWindowSource {
  std::string document;
  int64_t begin = 0;
};
std::vector<std::vector<int32_t>> MakeTextWindows(const Corpus& corpus, int count, int length,
                                                  uint64_t seed,
                                                  std::vector<TextWindowSource>* sources = nullptr);

}  // namespace ropescale
