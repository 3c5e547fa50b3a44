#pragma once
// Random evaluation documents for the search tests (serial and MPI).
#include <cstdint>
#include <vector>

#include "src/core/rng.h"
#include "src/eval/evaluation_documents.h"

namespace ropescale::search {

// `count` documents of `length` random tokens of a 64-token vocabulary; the last `scored`
// predictions carry weight 1.
inline std::vector<EvaluationDocument> RandomDocuments(int count, int length, int scored = 4) {
  std::vector<EvaluationDocument> docs(count);
  for (int d = 0; d < count; ++d) {
    CounterRng rng(99, static_cast<uint64_t>(d));
    for (int t = 0; t < length; ++t) docs[d].tokens.push_back(static_cast<int32_t>(rng.Below(64)));
    for (int t = 0; t + 1 < length; ++t) docs[d].targets.push_back(docs[d].tokens[t + 1]);
    docs[d].targets.push_back(-1);
    docs[d].loss_weights.assign(length, 0.0f);
    for (int t = length - 1 - scored; t < length - 1; ++t) docs[d].loss_weights[t] = 1.0f;
  }
  return docs;
}

}  // namespace ropescale::search
