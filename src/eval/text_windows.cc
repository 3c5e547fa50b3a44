#include "src/eval/text_windows.h"

#include <string>

#include "src/core/error.h"
#include "src/core/rng.h"

namespace ropescale {

std::vector<std::vector<int32_t>> MakeTextWindows(const Corpus& corpus, int count, int length,
                                                  uint64_t seed) {
  Check(length >= 2, "text windows: length {} < 2", length);
  const Corpus usable =
      DocumentsAtLeast(corpus, length, "text windows of " + std::to_string(length));
  std::vector<std::vector<int32_t>> windows;
  windows.reserve(count);
  for (int i = 0; i < count; ++i) {
    const std::vector<int32_t>& tokens = usable.documents[i % usable.documents.size()].tokens;
    CounterRng rng(seed, StreamId({kWindowStreamTag, static_cast<uint64_t>(i)}));
    const auto start = tokens.begin() + rng.Below(tokens.size() - length + 1);
    windows.emplace_back(start, start + length);
  }
  return windows;
}

Batch MakeWindowBatch(const std::vector<std::vector<int32_t>>& windows, size_t begin, size_t count,
                      const RopeSpec& rope) {
  Check(count > 0 && begin + count <= windows.size(),
        "window batch: rows [{}, {}) outside the {} windows", begin, begin + count, windows.size());
  Batch batch;
  batch.batch_size = static_cast<int>(count);
  batch.seq_len = static_cast<int>(windows[begin].size());
  for (size_t i = begin; i < begin + count; ++i) {
    const std::vector<int32_t>& window = windows[i];
    Check(static_cast<int>(window.size()) == batch.seq_len,
          "window batch: window {} has {} tokens, the first has {}", i, window.size(),
          batch.seq_len);
    batch.tokens.insert(batch.tokens.end(), window.begin(), window.end());
    batch.targets.insert(batch.targets.end(), window.begin() + 1, window.end());
    batch.targets.push_back(kIgnoreTarget);
  }
  batch.ropes = {rope};
  return batch;
}

}  // namespace ropescale
