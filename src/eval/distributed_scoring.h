#pragma once
// Scoring over the ranks of a communicator: every metric of `ropescale eval` (perplexity
// windows, needle loss, needle retrieval) for many (RoPE, document set) cells at once, with
// per-document results that do not depend on the rank count, so every total (summed in document
// order afterwards) is bit-identical for 1 or K ranks.
#include <span>
#include <vector>

#include "src/dist/communicator.h"
#include "src/eval/distributed_tasks.h"
#include "src/eval/evaluation_documents.h"
#include "src/eval/needle_retrieval.h"
#include "src/model/backend.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

enum class CellMetric {
  kLoss,       // weighted cross-entropy per document (perplexity windows, needle loss)
  kRetrieval,  // EvaluateNeedleRetrieval per document
};

// One set of documents (all the same length) scored on one RoPE with one metric.
struct ScoringCell {
  const std::vector<EvaluationDocument>* documents = nullptr;
  RopeSpec rope;
  CellMetric metric = CellMetric::kLoss;
};

struct CellScores {
  std::vector<LossSums> losses;  // kLoss: per document, in document order
  NeedleRetrieval retrieval;     // kRetrieval: totals and per document
};

// Scores every cell over the ranks of `comm`. One task = `batch_size` consecutive documents of
// one cell (a fixed chunk, whatever the rank count): one forward of those rows for a loss,
// EvaluateNeedleRetrieval of those documents (with batch_size rows per forward) for retrieval.
// Ranks take tasks dynamically (DistributeTaskRecords); every rank returns every cell's
// per-document results. `progress` is called after each task (see TaskProgress). Collective.
std::vector<CellScores> ScoreCells(dist::Communicator& comm, Backend& backend,
                                   std::span<const ScoringCell> cells, int batch_size,
                                   const TaskProgress& progress = {});

}  // namespace ropescale
