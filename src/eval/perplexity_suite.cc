#include "src/eval/perplexity_suite.h"

#include <cmath>

#include "src/core/error.h"
#include "src/eval/distributed_scoring.h"
#include "src/eval/evaluation_documents.h"
#include "src/eval/perplexity.h"

namespace ropescale {

std::vector<NamedRope> NameBaselineRopes(const RopeSpec& model_rope,
                                         std::span<const BaselineRope> baselines, int target) {
  std::vector<NamedRope> ropes;
  for (BaselineRope b : baselines) {
    ropes.push_back({std::string(BaselineRopeName(b)), MakeBaselineRope(model_rope, b, target)});
  }
  return ropes;
}

LossSums PerplexityCell::Text() const { return SumInOrder(windows); }
double PerplexityCell::Perplexity() const { return std::exp(Text().Mean()); }
double PerplexityCell::NeedleLoss() const { return SumInOrder(needle).Mean(); }
double PerplexityCell::NeedleLossSem() const { return StandardErrorOfMeans(needle); }

std::vector<PerplexityCell> EvaluatePerplexity(dist::Communicator& comm, Backend& backend,
                                               const std::string& model, const Corpus& corpus,
                                               std::span<const NamedRope> ropes,
                                               const PerplexitySettings& settings,
                                               const Tokenizer& tokenizer,
                                               const TaskProgress& progress) {
  Check(!settings.lengths.empty(), "perplexity: no lengths");
  Check(!ropes.empty(), "perplexity: no RoPEs");
  Check(settings.documents >= 1, "perplexity: documents = {} < 1", settings.documents);
  Check(settings.batch_size >= 1, "perplexity: batch size = {} < 1", settings.batch_size);
  const bool needles = settings.needle || settings.retrieval;
  if (needles) {
    for (int length : settings.lengths) {
      CheckNeedleDocumentLength(settings.format, length, tokenizer);
    }
  }

  // Documents per length, then one scoring cell per (length, RoPE, metric).
  std::vector<std::vector<EvaluationDocument>> windows, needle_documents;
  for (int length : settings.lengths) {
    windows.push_back(BuildEvaluationDocuments(FitnessKind::kPerplexity, corpus, settings.documents,
                                               length, settings.seed, tokenizer));
    needle_documents.push_back(
        needles ? BuildEvaluationDocuments(FitnessKind::kNeedle, corpus, settings.documents, length,
                                           settings.seed, tokenizer, settings.format)
                : std::vector<EvaluationDocument>{});
  }
  std::vector<ScoringCell> cells;
  for (size_t l = 0; l < settings.lengths.size(); ++l) {
    for (const NamedRope& rope : ropes) {
      cells.push_back({&windows[l], rope.spec, CellMetric::kLoss});
      if (settings.needle) cells.push_back({&needle_documents[l], rope.spec, CellMetric::kLoss});
      if (settings.retrieval) {
        cells.push_back({&needle_documents[l], rope.spec, CellMetric::kRetrieval});
      }
    }
  }
  std::vector<CellScores> scores = ScoreCells(comm, backend, cells, settings.batch_size, progress);

  std::vector<PerplexityCell> results;
  size_t next = 0;
  for (int length : settings.lengths) {
    for (const NamedRope& rope : ropes) {
      PerplexityCell cell{model, rope.name, rope.spec, length, {}, {}, {}};
      cell.windows = std::move(scores[next++].losses);
      if (settings.needle) cell.needle = std::move(scores[next++].losses);
      if (settings.retrieval) cell.retrieval = std::move(scores[next++].retrieval);
      results.push_back(std::move(cell));
    }
  }
  return results;
}

}  // namespace ropescale
