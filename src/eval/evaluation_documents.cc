#include "src/eval/evaluation_documents.h"

#include <utility>

#include "src/core/error.h"
#include "src/eval/text_windows.h"
#include "src/model/batch.h"

namespace ropescale {

std::string_view FitnessKindName(FitnessKind kind) {
  return kind == FitnessKind::kPerplexity ? "ppl" : "needle";
}

FitnessKind ParseFitnessKind(std::string_view name, std::string_view field) {
  if (name == "needle") return FitnessKind::kNeedle;
  if (name == "ppl") return FitnessKind::kPerplexity;
  Fail("{}: unknown fitness '{}' (needle|ppl)", field, name);
}

EvaluationDocument ToEvaluationDocument(NeedleDocument needle) {
  return {std::move(needle.tokens), std::move(needle.targets), std::move(needle.loss_weights)};
}

EvaluationDocument WindowDocument(std::vector<int32_t> window) {
  EvaluationDocument document;
  document.targets.assign(window.begin() + 1, window.end());
  document.targets.push_back(kIgnoreTarget);
  document.loss_weights.assign(window.size(), 1.0f);
  document.loss_weights.back() = 0.0f;
  document.tokens = std::move(window);
  return document;
}

Batch MakeDocumentBatch(std::span<const EvaluationDocument> documents, const RopeSpec& rope) {
  Check(!documents.empty(), "document batch: no documents");
  Batch batch;
  batch.batch_size = static_cast<int>(documents.size());
  batch.seq_len = static_cast<int>(documents[0].tokens.size());
  for (size_t d = 0; d < documents.size(); ++d) {
    const EvaluationDocument& doc = documents[d];
    Check(static_cast<int>(doc.tokens.size()) == batch.seq_len,
          "document batch: document {} has {} tokens, the first has {}", d, doc.tokens.size(),
          batch.seq_len);
    batch.tokens.insert(batch.tokens.end(), doc.tokens.begin(), doc.tokens.end());
    batch.targets.insert(batch.targets.end(), doc.targets.begin(), doc.targets.end());
    batch.loss_weights.insert(batch.loss_weights.end(), doc.loss_weights.begin(),
                              doc.loss_weights.end());
  }
  batch.ropes = {rope};
  return batch;
}

Corpus EvaluationCorpus(const Corpus& corpus, int length, const std::string& what) {
  return DocumentsAtLeast(corpus, int64_t{length} + 1, what);
}

std::vector<EvaluationDocument> BuildEvaluationDocuments(FitnessKind kind, const Corpus& corpus,
                                                         int count, int length, uint64_t seed,
                                                         const Tokenizer& tokenizer,
                                                         const NeedleFormat& format) {
  Check(count >= 1, "evaluation documents: count must be >= 1 (got {})", count);
  Check(length >= 2, "evaluation documents: length must be >= 2 (got {})", length);
  const Corpus sources = EvaluationCorpus(corpus, length);
  std::vector<EvaluationDocument> documents;
  documents.reserve(count);
  if (kind == FitnessKind::kNeedle) {
    for (NeedleDocument& needle :
         MakeNeedleDocuments(sources, count, length, seed, tokenizer, format)) {
      documents.push_back(ToEvaluationDocument(std::move(needle)));
    }
    return documents;
  }
  for (std::vector<int32_t>& window : MakeTextWindows(sources, count, length, seed)) {
    documents.push_back(WindowDocument(std::move(window)));
  }
  return documents;
}

}  // namespace ropescale
