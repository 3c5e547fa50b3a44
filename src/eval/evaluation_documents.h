#pragma once
// The one document type every score works on: a row of exactly T tokens with its next-token
// targets and a 0/1 loss weight per position. Needle documents weigh only the answer tokens,
// perplexity windows every next-token prediction. The search scores its candidates on these
// (and stores them in its log); `ropescale eval` scores RoPEs on the same ones.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/tokenizer.h"
#include "src/eval/corpus.h"
#include "src/eval/needle_document.h"
#include "src/model/batch.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

// What a set of documents measures: the needle-driven loss or perplexity.
enum class FitnessKind { kNeedle, kPerplexity };
std::string_view FitnessKindName(FitnessKind kind);  // "needle" | "ppl"
// Throws Error naming `field` for an unknown name.
FitnessKind ParseFitnessKind(std::string_view name, std::string_view field = "fitness");

// One row of exactly T tokens: targets are the next tokens (kIgnoreTarget where none), the
// loss weight of each position is 0 or 1. The weighted targets are the "answer": for a needle
// document the key's tokens, the document's last ones.
struct EvaluationDocument {
  std::vector<int32_t> tokens;
  std::vector<int32_t> targets;
  std::vector<float> loss_weights;
  bool operator==(const EvaluationDocument&) const = default;
};

// A needle document as scored: its tokens, targets and answer weights.
EvaluationDocument ToEvaluationDocument(NeedleDocument needle);
// A perplexity window as scored: every next token weighted 1, the last position has none.
EvaluationDocument WindowDocument(std::vector<int32_t> window);

// `documents` (all the same length) as the rows of one batch, with their targets and loss
// weights, every row on `rope`. Throws Error for no documents or unequal lengths.
Batch MakeDocumentBatch(std::span<const EvaluationDocument> documents, const RopeSpec& rope);

// The corpus documents that evaluation documents of `length` tokens are cut from: those with at
// least length + 1 tokens, so that every kind of document fits and a search and an evaluation
// of the same length draw from the same list. Throws Error naming `what` when none is left.
Corpus EvaluationCorpus(const Corpus& corpus, int length, const std::string& what = "corpus");

// `count` documents of `length` tokens cut from EvaluationCorpus(corpus, length), a pure
// function of (corpus, kind, count, length, seed, format): the needle documents of
// MakeNeedleDocuments (in `format`) or the windows of MakeTextWindows. Document i does not depend
// on count.
std::vector<EvaluationDocument> BuildEvaluationDocuments(FitnessKind kind, const Corpus& corpus,
                                                         int count, int length, uint64_t seed,
                                                         const Tokenizer& tokenizer,
                                                         const NeedleFormat& format = {});

}  // namespace ropescale
