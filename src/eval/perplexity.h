#pragma once
// Scoring a Backend with a given RoPE: perplexity over text windows, the needle-driven loss over
// needle documents (mean cross-entropy of the answer tokens only), and exact pass-key retrieval.
// Every function runs Forward only, `batch_size` rows at a time, and returns sums that add up
// exactly across calls (LossSums), so callers may split the documents (e.g. over MPI ranks).
#include <cstdint>
#include <functional>
#include <vector>

#include "src/eval/needle_document.h"
#include "src/model/backend.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

// Called after each batch with (rows done, rows in all); may be empty.
using EvalProgress = std::function<void(size_t done, size_t total)>;

// Cross-entropy summed over every prediction of every window (T - 1 per window).
// Perplexity = exp(result.Mean()).
LossSums ScoreTextWindows(Backend& backend, const std::vector<std::vector<int32_t>>& windows,
                          const RopeSpec& rope, int batch_size = 1,
                          const EvalProgress& progress = {});

// Cross-entropy summed over the answer tokens only (weight = number of answer tokens); the
// needle loss is result.Mean() (guessing 5 uniform digits gives ln 10 = 2.30).
LossSums ScoreNeedleDocuments(Backend& backend, const std::vector<NeedleDocument>& documents,
                              const RopeSpec& rope, int batch_size = 1,
                              const EvalProgress& progress = {});

struct NeedleRetrieval {
  int64_t documents = 0;       // documents scored
  int64_t exact = 0;           // documents whose whole key greedy decoding reproduces
  int64_t digits = 0;          // answer tokens scored
  int64_t correct_digits = 0;  // answer tokens that are the argmax given the true prefix
  double ExactFraction() const { return documents ? static_cast<double>(exact) / documents : 0.0; }
};

// Greedy retrieval: for every answer token, the argmax of the logits after the true prefix
// (the document truncated right before that token). A document counts as exact when every
// answer token is the argmax, which is exactly when greedy decoding after the question writes
// the key. Costs (answer tokens) forwards per document, on prefixes of length < T.
NeedleRetrieval EvaluateNeedleRetrieval(Backend& backend,
                                        const std::vector<NeedleDocument>& documents,
                                        const RopeSpec& rope, int batch_size = 1,
                                        const EvalProgress& progress = {});

}  // namespace ropescale
