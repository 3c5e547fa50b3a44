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

std::vector<LengthDocuments> BuildPerplexityDocuments(const Corpus& corpus,
                                                      const PerplexitySettings& settings,
                                                      const Tokenizer& tokenizer) {
  Check(!settings.lengths.empty(), "perplexity: no lengths");
  Check(settings.documents >= 1, "perplexity: documents = {} < 1", settings.documents);
  const bool needles = settings.needle || settings.retrieval;
  if (needles) {
    for (int length : settings.lengths) {
      CheckNeedleDocumentLength(settings.format, length, tokenizer);
    }
  }
  std::vector<LengthDocuments> documents;
  for (int length : settings.lengths) {
    LengthDocuments docs{length, {}, {}};
    docs.windows = BuildEvaluationDocuments(FitnessKind::kPerplexity, corpus, settings.documents,
                                            length, settings.seed, tokenizer);
    if (needles) {
      docs.needles = BuildEvaluationDocuments(FitnessKind::kNeedle, corpus, settings.documents,
                                              length, settings.seed, tokenizer, settings.format);
    }
    documents.push_back(std::move(docs));
  }
  return documents;
}

std::vector<PerplexityCell> EvaluatePerplexityOn(dist::Communicator& comm, Backend& backend,
                                                 const std::string& model,
                                                 std::span<const LengthDocuments> documents,
                                                 std::span<const NamedRope> ropes,
                                                 const PerplexitySettings& settings,
                                                 const TaskProgress& progress) {
  Check(!documents.empty(), "perplexity: no lengths");
  Check(!ropes.empty(), "perplexity: no RoPEs");
  Check(settings.batch_size >= 1, "perplexity: batch size = {} < 1", settings.batch_size);
  for (const LengthDocuments& docs : documents) {
    Check(!docs.windows.empty(), "perplexity: no windows of length {}", docs.length);
    Check(!(settings.needle || settings.retrieval) || !docs.needles.empty(),
          "perplexity: no needle documents of length {}", docs.length);
  }
  // One scoring cell per (length, RoPE, metric).
  std::vector<ScoringCell> cells;
  for (const LengthDocuments& docs : documents) {
    for (const NamedRope& rope : ropes) {
      cells.push_back({&docs.windows, rope.spec, CellMetric::kLoss});
      if (settings.needle) cells.push_back({&docs.needles, rope.spec, CellMetric::kLoss});
      if (settings.retrieval) cells.push_back({&docs.needles, rope.spec, CellMetric::kRetrieval});
    }
  }
  std::vector<CellScores> scores = ScoreCells(comm, backend, cells, settings.batch_size, progress);

  std::vector<PerplexityCell> results;
  size_t next = 0;
  for (const LengthDocuments& docs : documents) {
    for (const NamedRope& rope : ropes) {
      PerplexityCell cell{model, rope.name, rope.spec, docs.length, {}, {}, {}};
      cell.windows = std::move(scores[next++].losses);
      if (settings.needle) cell.needle = std::move(scores[next++].losses);
      if (settings.retrieval) cell.retrieval = std::move(scores[next++].retrieval);
      results.push_back(std::move(cell));
    }
  }
  return results;
}

std::vector<PerplexityCell> EvaluatePerplexity(dist::Communicator& comm, Backend& backend,
                                               const std::string& model, const Corpus& corpus,
                                               std::span<const NamedRope> ropes,
                                               const PerplexitySettings& settings,
                                               const Tokenizer& tokenizer,
                                               const TaskProgress& progress) {
  Check(!ropes.empty(), "perplexity: no RoPEs");
  Check(settings.batch_size >= 1, "perplexity: batch size = {} < 1", settings.batch_size);
  const std::vector<LengthDocuments> documents =
      BuildPerplexityDocuments(corpus, settings, tokenizer);
  return EvaluatePerplexityOn(comm, backend, model, documents, ropes, settings, progress);
}

}  // namespace ropescale
