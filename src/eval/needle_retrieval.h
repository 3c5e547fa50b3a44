#pragma once
// Exact retrieval of a needle document's answer (the pass key): does the model write the key?
// THE retrieval function of ropescale: `ropescale eval` (ppl --retrieval, passkey) and the
// distributed scoring call only EvaluateNeedleRetrieval: greedy generation with the backend's
// KV cache (src/eval/greedy_generate.h).
#include <cstdint>
#include <span>
#include <vector>

#include "src/eval/evaluation_documents.h"
#include "src/model/backend.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

// One document's result.
struct DocumentRetrieval {
  bool exact = false;     // greedy decoding after the question writes the whole answer
  int correct = 0;        // written tokens equal to the answer's token at the same position
  int answer_tokens = 0;  // answer tokens (the key's digits)
};

struct NeedleRetrieval {
  int64_t documents = 0;       // documents scored
  int64_t exact = 0;           // documents whose whole key greedy decoding reproduces
  int64_t digits = 0;          // answer tokens scored
  int64_t correct_digits = 0;  // written tokens equal to the answer's at the same position
  std::vector<DocumentRetrieval> per_document;  // in document order
  double ExactFraction() const { return documents ? static_cast<double>(exact) / documents : 0.0; }
};

// The totals of per-document results (per_document = `results`).
NeedleRetrieval SumRetrieval(std::span<const DocumentRetrieval> results);

// Retrieval by generation. A document's answer is its weighted targets, which must be its last
// tokens (as in a needle document: the key right after the question); the prompt is everything
// before. The model writes as many tokens as the answer has by greedy decoding after the prompt
// (GreedyGenerate: one prefill, then one cached step per token, the RoPE chosen for the whole
// document's length); a document is exact when it writes the answer. Documents with the same
// prompt and answer lengths decode `batch_size` rows at a time.
// Throws Error when a document's answer is empty or not its last tokens.
NeedleRetrieval EvaluateNeedleRetrieval(Backend& backend,
                                        std::span<const EvaluationDocument> documents,
                                        const RopeSpec& rope, int batch_size = 1);

}  // namespace ropescale
