#pragma once
// The documents a search scores every candidate on, built once from the held-out corpus and
// stored in the search log: needle documents (loss only on the answer tokens) or plain
// perplexity windows (loss on every next-token prediction).
#include <cstdint>
#include <string_view>
#include <vector>

#include "io/tokenizer.h"
#include "src/eval/corpus.h"

namespace ropescale::search {

enum class FitnessKind { kNeedle, kPerplexity };
std::string_view FitnessKindName(FitnessKind kind);  // "needle" | "ppl"
FitnessKind ParseFitnessKind(std::string_view name);

// One row of exactly T tokens: targets are the next tokens (kIgnoreTarget where none), the
// loss weight of each position is 0 or 1.
struct EvaluationDocument {
  std::vector<int32_t> tokens;
  std::vector<int32_t> targets;
  std::vector<float> loss_weights;
  bool operator==(const EvaluationDocument&) const = default;
};

// `count` documents of `length` tokens, a pure function of (corpus, kind, count, length, seed):
// needle documents from src/eval/needle_document.h (default format) or windows from
// src/eval/text_windows.h.
std::vector<EvaluationDocument> BuildEvaluationDocuments(FitnessKind kind, const Corpus& corpus,
                                                         int count, int length, uint64_t seed,
                                                         const Tokenizer& tokenizer);

}  // namespace ropescale::search
