#pragma once
// `ropescale eval passkey` as library calls: exact retrieval of a needle's key by greedy
// decoding, for every (RoPE, length, depth, format), on documents that are the same for every
// model and RoPE, scored over the ranks of a communicator (ScoreCells). The rows report the
// exact-match accuracy p with its standard error sqrt(p (1 - p) / N) and the digit accuracy.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/tokenizer.h"
#include "src/dist/communicator.h"
#include "src/eval/corpus.h"
#include "src/eval/distributed_tasks.h"
#include "src/eval/document_set.h"
#include "src/eval/evaluation_documents.h"
#include "src/eval/needle_format.h"
#include "src/eval/needle_retrieval.h"
#include "src/eval/perplexity_suite.h"
#include "src/model/backend.h"

namespace ropescale {

struct PasskeySettings {
  std::vector<int> lengths;
  int documents = 100;  // per (format, length, depth)
  // Needle depths in [0, 1]; one std::nullopt = a random depth per document.
  std::vector<std::optional<double>> depths = {std::nullopt};
  std::vector<NeedleFormat> formats = {NeedleFormat{}};
  uint64_t seed = 1234;
  int batch_size = 1;  // documents per task (rows per forward)
};

// The needle sets (with their origins), one per (format, length, depth). Document i of a set is
// MakeNeedleDocument(source, length, rng, tokenizer, format, depth) with source = document (i mod
// N) of the N in EvaluationCorpus(corpus, length) and rng = CounterRng(seed,
// StreamId({kPasskeyStreamTag, kind, digits, pairs, length, i})): a pure function of (corpus, seed,
// format, length, depth, i), whatever the other settings, the model, the RoPE or the rank count. At
// every depth, document i of a (format, length) has the same key and filler (the depth is drawn
// last, and only when random): the depths differ only in where the needle sits. Sets in the order
// format x length x depth (as given). Throws Error naming the field for a bad setting, e.g. a
// length too short for a format (MinNeedleDocumentLength) or a depth outside [0, 1].
inline constexpr uint64_t kPasskeyStreamTag = 0x706b657930ull;  // "pkey0"
std::vector<DocumentSet> MakePasskeyDocuments(const Corpus& corpus, const PasskeySettings& settings,
                                              const Tokenizer& tokenizer);

// One (model, RoPE, format, length, depth).
struct PasskeyResult {
  std::string model;
  std::string rope;
  NeedleFormat format;
  int length = 0;
  std::optional<double> depth;
  NeedleRetrieval retrieval;

  double Accuracy() const;       // exact / documents
  double StandardError() const;  // sqrt(p (1 - p) / documents)
  double DigitAccuracy() const;  // correct answer tokens / answer tokens
};

// Every set on every RoPE, in the order rope x set, labelled `model`. Collective over `comm`;
// every rank returns every result, bit-identical for any rank count.
std::vector<PasskeyResult> EvaluatePasskey(dist::Communicator& comm, Backend& backend,
                                           const std::string& model,
                                           std::span<const NamedRope> ropes,
                                           std::span<const DocumentSet> sets, int batch_size,
                                           const TaskProgress& progress = {});

}  // namespace ropescale
