#include "src/search/evaluation_documents.h"

#include "src/core/error.h"
#include "src/eval/needle_document.h"
#include "src/eval/text_windows.h"
#include "src/model/batch.h"

namespace ropescale::search {

std::string_view FitnessKindName(FitnessKind kind) {
  return kind == FitnessKind::kPerplexity ? "ppl" : "needle";
}

FitnessKind ParseFitnessKind(std::string_view name) {
  if (name == "needle") return FitnessKind::kNeedle;
  if (name == "ppl") return FitnessKind::kPerplexity;
  Fail("--fitness: unknown fitness '{}' (needle|ppl)", name);
}

std::vector<EvaluationDocument> BuildEvaluationDocuments(FitnessKind kind, const Corpus& corpus,
                                                         int count, int length, uint64_t seed,
                                                         const Tokenizer& tokenizer) {
  Check(count >= 1, "--documents must be >= 1 (got {})", count);
  Check(length >= 2, "--target-len must be >= 2 (got {})", length);
  std::vector<EvaluationDocument> documents;
  if (kind == FitnessKind::kNeedle) {
    for (NeedleDocument& needle : MakeNeedleDocuments(corpus, count, length, seed, tokenizer)) {
      documents.push_back(
          {std::move(needle.tokens), std::move(needle.targets), std::move(needle.loss_weights)});
    }
    return documents;
  }
  for (std::vector<int32_t>& window : MakeTextWindows(corpus, count, length, seed)) {
    EvaluationDocument document;
    document.targets.assign(window.begin() + 1, window.end());
    document.targets.push_back(kIgnoreTarget);
    document.loss_weights.assign(window.size(), 1.0f);
    document.loss_weights.back() = 0.0f;
    document.tokens = std::move(window);
    documents.push_back(std::move(document));
  }
  return documents;
}

}  // namespace ropescale::search
