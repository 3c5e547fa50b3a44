#pragma once
// A set of evaluation documents of one kind, length and (for needles) format and depth, with
// where each came from. `eval passkey` scores sets; an evaluation-document file
// (src/eval/document_file.h) stores them so search, train and eval score the same documents.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/eval/evaluation_documents.h"
#include "src/eval/needle_format.h"

namespace ropescale {

// Where document i of a set came from.
struct DocumentOrigin {
  std::string source;         // the corpus document's name
  int64_t source_begin = 0;   // first token of the filler / window in it
  int64_t needle_begin = -1;  // the needle's first token in the document; -1 for a window
  std::string key;            // the needle's key; "" for a window
  bool operator==(const DocumentOrigin&) const = default;
};

struct DocumentSet {
  FitnessKind kind = FitnessKind::kNeedle;
  NeedleFormat format;          // needle sets only
  int length = 0;               // tokens of every document
  std::optional<double> depth;  // needle depth in [0, 1]; nullopt = random (or a window)
  std::vector<EvaluationDocument> documents;
  std::vector<DocumentOrigin> origins;  // one per document
};

}  // namespace ropescale
