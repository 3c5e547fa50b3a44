#include "src/eval/text_windows.h"

#include <string>

#include "src/core/error.h"
#include "src/core/rng.h"

namespace ropescale {

std::vector<std::vector<int32_t>> MakeTextWindows(const Corpus& corpus, int count, int length,
                                                  uint64_t seed,
                                                  std::vector<TextWindowSource>* sources) {
  Check(length >= 2, "text windows: length {} < 2", length);
  const Corpus usable =
      DocumentsAtLeast(corpus, length, "text windows of " + std::to_string(length));
  std::vector<std::vector<int32_t>> windows;
  windows.reserve(count);
  for (int i = 0; i < count; ++i) {
    const Document& document = usable.documents[i % usable.documents.size()];
    CounterRng rng(seed, StreamId({kWindowStreamTag, static_cast<uint64_t>(i)}));
    const auto begin = static_cast<int64_t>(rng.Below(document.tokens.size() - length + 1));
    windows.emplace_back(document.tokens.begin() + begin, document.tokens.begin() + begin + length);
    if (sources) sources->push_back({document.name, begin});
  }
  return windows;
}

}  // namespace ropescale
