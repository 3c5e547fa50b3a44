#pragma once
// `ropescale eval ppl` as one library call: for every (RoPE, length), the perplexity of fresh
// held-out windows and, when asked, the needle loss and exact retrieval on needle documents,
// scored over the ranks of a communicator (ScoreCells). The search's --compare-documents is
// this call too, so both give the same numbers for the same documents.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/tokenizer.h"
#include "src/dist/communicator.h"
#include "src/eval/baseline_ropes.h"
#include "src/eval/corpus.h"
#include "src/eval/distributed_tasks.h"
#include "src/eval/evaluation_documents.h"
#include "src/eval/needle_format.h"
#include "src/eval/needle_retrieval.h"
#include "src/model/backend.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

// A RoPE to evaluate and the name its rows carry.
struct NamedRope {
  std::string name;
  RopeSpec spec;
};

// MakeBaselineRope(model_rope, b, target) for each of `baselines`, named BaselineRopeName(b).
std::vector<NamedRope> NameBaselineRopes(const RopeSpec& model_rope,
                                         std::span<const BaselineRope> baselines, int target);

struct PerplexitySettings {
  std::vector<int> lengths;
  int documents = 8;       // windows (and needle documents) per length
  uint64_t seed = 1234;    // of the windows and the needle documents
  bool needle = false;     // also the needle loss
  bool retrieval = false;  // also exact retrieval
  NeedleFormat format;     // of the needle documents
  int batch_size = 1;      // rows per forward (1: each document alone, as the search does)
};

// One (RoPE, length) of one model.
struct PerplexityCell {
  std::string model;
  std::string rope;
  RopeSpec spec;
  int length = 0;
  std::vector<LossSums> windows;             // per window, in order
  std::vector<LossSums> needle;              // per needle document (settings.needle)
  std::optional<NeedleRetrieval> retrieval;  // settings.retrieval

  LossSums Text() const;         // the windows' sums added in order
  double Perplexity() const;     // exp(Text().Mean())
  double NeedleLoss() const;     // mean over the answer tokens of all needle documents
  double NeedleLossSem() const;  // standard error of the per-document needle losses
};

// The documents of one length: perplexity windows and (when asked) needle documents.
struct LengthDocuments {
  int length = 0;
  std::vector<EvaluationDocument> windows;
  std::vector<EvaluationDocument> needles;
};

// Per length (as given): BuildEvaluationDocuments(ppl / needle, corpus, documents, length, seed,
// format), needles only when settings.needle or settings.retrieval.
std::vector<LengthDocuments> BuildPerplexityDocuments(const Corpus& corpus,
                                                      const PerplexitySettings& settings,
                                                      const Tokenizer& tokenizer);

// Scores prebuilt documents (settings.needle / retrieval / batch_size; lengths, documents, seed
// and format are the documents'): cells in the order length x rope. A length needs windows, and
// needle documents when settings.needle or settings.retrieval. Collective, rank-invariant.
std::vector<PerplexityCell> EvaluatePerplexityOn(dist::Communicator& comm, Backend& backend,
                                                 const std::string& model,
                                                 std::span<const LengthDocuments> documents,
                                                 std::span<const NamedRope> ropes,
                                                 const PerplexitySettings& settings,
                                                 const TaskProgress& progress = {});

// BuildPerplexityDocuments then EvaluatePerplexityOn.
// Cells in the order length (as given) x rope (as given), all labelled `model`. The documents
// of a length are BuildEvaluationDocuments(ppl / needle, corpus, documents, length, seed,
// format): the same for every RoPE and every model. Throws Error for bad settings (naming the
// field) or a corpus without a document longer than a length. Collective over `comm`; every
// rank returns every cell, bit-identical for any rank count.
std::vector<PerplexityCell> EvaluatePerplexity(dist::Communicator& comm, Backend& backend,
                                               const std::string& model, const Corpus& corpus,
                                               std::span<const NamedRope> ropes,
                                               const PerplexitySettings& settings,
                                               const Tokenizer& tokenizer,
                                               const TaskProgress& progress = {});

}  // namespace ropescale
