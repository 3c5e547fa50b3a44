#include "src/eval/greedy_generate.h"

#include <algorithm>

#include "src/core/error.h"

namespace ropescale {
namespace {

// Ends the backend's decoding session on every way out, errors included.
class DecodeSessionGuard {
 public:
  DecodeSessionGuard(Backend& backend, const DecodeSpec& spec) : backend_(backend) {
    backend_.BeginDecode(spec);
  }
  ~DecodeSessionGuard() { backend_.EndDecode(); }
  DecodeSessionGuard(const DecodeSessionGuard&) = delete;
  DecodeSessionGuard& operator=(const DecodeSessionGuard&) = delete;

 private:
  Backend& backend_;
};

}  // namespace

int32_t GreedyToken(const float* logits, int vocab_size) {
  return static_cast<int32_t>(std::max_element(logits, logits + vocab_size) - logits);
}

std::vector<std::vector<int32_t>> GreedyGenerate(Backend& backend,
                                                 const std::vector<std::vector<int32_t>>& prompts,
                                                 const RopeSpec& rope, int n_new) {
  Check(!prompts.empty(), "GreedyGenerate: no prompts");
  Check(n_new >= 1, "GreedyGenerate: n_new = {} must be at least 1", n_new);
  const size_t prompt_len = prompts[0].size();
  Check(prompt_len >= 1, "GreedyGenerate: prompts[0] is empty");
  std::vector<int32_t> tokens;  // rows x prompt_len, row-major
  for (size_t r = 0; r < prompts.size(); ++r) {
    Check(prompts[r].size() == prompt_len,
          "GreedyGenerate: prompts[{}] has {} tokens but prompts[0] has {} (rows decode together "
          "and share the prompt length)",
          r, prompts[r].size(), prompt_len);
    tokens.insert(tokens.end(), prompts[r].begin(), prompts[r].end());
  }
  const int rows = static_cast<int>(prompts.size());
  const int vocab = backend.Config().vocab_size;
  DecodeSessionGuard session(backend, {rows, static_cast<int>(prompt_len) + n_new, {rope}});
  std::vector<float> logits = backend.Prefill(tokens);
  std::vector<std::vector<int32_t>> generated(rows);
  std::vector<int32_t> next(rows);
  for (int step = 0; step < n_new; ++step) {
    Check(logits.size() == static_cast<size_t>(rows) * vocab,
          "GreedyGenerate: backend {} returned {} logits for {} rows of vocab {}", backend.Name(),
          logits.size(), rows, vocab);
    for (int r = 0; r < rows; ++r) {
      next[r] = GreedyToken(logits.data() + static_cast<size_t>(r) * vocab, vocab);
      generated[r].push_back(next[r]);
    }
    if (step + 1 < n_new) logits = backend.DecodeStep(next);
  }
  return generated;
}

}  // namespace ropescale
