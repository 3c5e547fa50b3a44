#include "src/eval/passkey_suite.h"

#include <cmath>

#include "src/core/error.h"
#include "src/core/rng.h"
#include "src/eval/distributed_scoring.h"

namespace ropescale {

std::vector<DocumentSet> MakePasskeyDocuments(const Corpus& corpus, const PasskeySettings& settings,
                                              const Tokenizer& tokenizer) {
  Check(settings.documents >= 1, "passkey: documents = {} < 1", settings.documents);
  Check(!settings.lengths.empty(), "passkey: no lengths");
  Check(!settings.depths.empty(), "passkey: no depths");
  Check(!settings.formats.empty(), "passkey: no formats");
  for (const std::optional<double>& depth : settings.depths) {
    Check(!depth || (*depth >= 0.0 && *depth <= 1.0), "passkey: depth {} is outside [0, 1]",
          depth.value_or(0.0));
  }
  std::vector<DocumentSet> sets;
  for (const NeedleFormat& format : settings.formats) {
    for (int length : settings.lengths) {
      CheckNeedleDocumentLength(format, length, tokenizer);
      const Corpus sources = EvaluationCorpus(corpus, length);
      for (const std::optional<double>& depth : settings.depths) {
        DocumentSet set{FitnessKind::kNeedle, format, length, depth, {}, {}};
        for (int i = 0; i < settings.documents; ++i) {
          CounterRng rng(
              settings.seed,
              StreamId({kPasskeyStreamTag, static_cast<uint64_t>(format.kind),
                        static_cast<uint64_t>(format.digits), static_cast<uint64_t>(format.pairs),
                        static_cast<uint64_t>(length), static_cast<uint64_t>(i)}));
          const Document& source = sources.documents[i % sources.documents.size()];
          NeedleDocument needle =
              MakeNeedleDocument(source.tokens, length, rng, tokenizer, format, depth);
          set.origins.push_back(
              {source.name, needle.source_begin, needle.needle_begin, needle.key});
          set.documents.push_back(ToEvaluationDocument(std::move(needle)));
        }
        sets.push_back(std::move(set));
      }
    }
  }
  return sets;
}

double PasskeyResult::Accuracy() const { return retrieval.ExactFraction(); }

double PasskeyResult::StandardError() const {
  if (retrieval.documents == 0) return 0.0;
  const double p = Accuracy();
  return std::sqrt(p * (1.0 - p) / static_cast<double>(retrieval.documents));
}

double PasskeyResult::DigitAccuracy() const {
  return retrieval.digits ? static_cast<double>(retrieval.correct_digits) / retrieval.digits : 0.0;
}

std::vector<PasskeyResult> EvaluatePasskey(dist::Communicator& comm, Backend& backend,
                                           const std::string& model,
                                           std::span<const NamedRope> ropes,
                                           std::span<const DocumentSet> sets, int batch_size,
                                           const TaskProgress& progress) {
  std::vector<ScoringCell> cells;
  for (const NamedRope& rope : ropes) {
    for (const DocumentSet& set : sets) {
      cells.push_back({&set.documents, rope.spec, CellMetric::kRetrieval});
    }
  }
  std::vector<CellScores> scores = ScoreCells(comm, backend, cells, batch_size, progress);
  std::vector<PasskeyResult> results;
  size_t next = 0;
  for (const NamedRope& rope : ropes) {
    for (const DocumentSet& set : sets) {
      results.push_back({model, rope.name, set.format, set.length, set.depth,
                         std::move(scores[next++].retrieval)});
    }
  }
  return results;
}

}  // namespace ropescale
