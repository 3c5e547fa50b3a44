#include "src/eval/distributed_scoring.h"

#include <algorithm>

#include "src/core/error.h"
#include "src/eval/perplexity.h"

namespace ropescale {
namespace {

// A task: documents [begin, begin + count) of one cell.
struct Chunk {
  size_t cell = 0;
  size_t begin = 0;
  size_t count = 0;
};

// Per document, three numbers: (weighted loss, weight, 0) or (exact, correct, answer tokens).
constexpr int kValues = 3;

void RunChunk(Backend& backend, const ScoringCell& cell, const Chunk& chunk, int batch_size,
              std::span<double> record) {
  const auto documents = std::span(*cell.documents).subspan(chunk.begin, chunk.count);
  if (cell.metric == CellMetric::kLoss) {
    const std::vector<LossSums> sums = ScoreDocumentRows(backend, documents, cell.rope);
    for (size_t d = 0; d < sums.size(); ++d) {
      record[kValues * d] = sums[d].weighted_loss;
      record[kValues * d + 1] = sums[d].weight;
    }
    return;
  }
  const NeedleRetrieval retrieval =
      EvaluateNeedleRetrieval(backend, documents, cell.rope, batch_size);
  for (size_t d = 0; d < retrieval.per_document.size(); ++d) {
    const DocumentRetrieval& r = retrieval.per_document[d];
    record[kValues * d] = r.exact ? 1.0 : 0.0;
    record[kValues * d + 1] = r.correct;
    record[kValues * d + 2] = r.answer_tokens;
  }
}

}  // namespace

std::vector<CellScores> ScoreCells(dist::Communicator& comm, Backend& backend,
                                   std::span<const ScoringCell> cells, int batch_size,
                                   const TaskProgress& progress) {
  Check(batch_size >= 1, "distributed scoring: batch size {} < 1", batch_size);
  std::vector<Chunk> chunks;
  for (size_t c = 0; c < cells.size(); ++c) {
    Check(cells[c].documents != nullptr, "distributed scoring: cell {} has no documents", c);
    const size_t n = cells[c].documents->size();
    for (size_t begin = 0; begin < n; begin += batch_size) {
      chunks.push_back({c, begin, std::min<size_t>(batch_size, n - begin)});
    }
  }
  const int width = kValues * batch_size;
  const std::vector<double> table = DistributeTaskRecords(
      comm, static_cast<int64_t>(chunks.size()), width,
      [&](int64_t task, std::span<double> record) {
        const Chunk& chunk = chunks[task];
        RunChunk(backend, cells[chunk.cell], chunk, batch_size, record);
      },
      progress);

  std::vector<CellScores> scores(cells.size());
  std::vector<std::vector<DocumentRetrieval>> retrievals(cells.size());
  for (size_t task = 0; task < chunks.size(); ++task) {
    const Chunk& chunk = chunks[task];
    const double* record = table.data() + task * width;
    for (size_t d = 0; d < chunk.count; ++d) {
      const double* values = record + kValues * d;
      if (cells[chunk.cell].metric == CellMetric::kLoss) {
        scores[chunk.cell].losses.push_back(LossSums{values[0], values[1]});
      } else {
        retrievals[chunk.cell].push_back(
            {values[0] == 1.0, static_cast<int>(values[1]), static_cast<int>(values[2])});
      }
    }
  }
  for (size_t c = 0; c < cells.size(); ++c) {
    if (cells[c].metric == CellMetric::kRetrieval)
      scores[c].retrieval = SumRetrieval(retrievals[c]);
  }
  return scores;
}

}  // namespace ropescale
