// The evaluation suites on one process: ScoreCells against direct per-document scores, eval
// ppl's windows and needle documents scored as the search scores them, a uniform model's
// perplexity (= vocabulary size), pass-key documents as a pure function of their keys, and
// pass-key accuracy for fake models with known answers.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "src/core/error.h"
#include "src/dist/communicator.h"
#include "src/eval/distributed_scoring.h"
#include "src/eval/perplexity.h"
#include "src/eval/perplexity_suite.h"
#include "tests/eval/eval_test_data.h"
#include "tests/eval/fake_backends.h"

namespace ropescale {
namespace {

using testing::TinyEvalConfig;

// Two long documents and one too short for any length (EvaluationCorpus leaves it out).
Corpus TextCorpus() {
  Corpus corpus = testing::RepeatedLinesCorpus(2, 4000);
  corpus.documents.push_back({"short", ByteTokenizer().Encode("too short for any length")});
  return corpus;
}

TEST(ScoreCells, GivesEachDocumentsOwnScoreForAnyBatchSize) {
  auto backend = testing::TinyBackend(TinyEvalConfig(), 5, 1);
  const auto comm = dist::MakeSingleProcessCommunicator();
  const ByteTokenizer tokenizer;
  const auto needles =
      BuildEvaluationDocuments(FitnessKind::kNeedle, TextCorpus(), 5, 130, 3, tokenizer);
  const RopeSpec rope = TinyEvalConfig().rope;
  const std::vector<ScoringCell> cells = {{&needles, rope, CellMetric::kLoss},
                                          {&needles, rope, CellMetric::kRetrieval}};
  const auto one = ScoreCells(*comm, *backend, cells, 1);
  const auto two = ScoreCells(*comm, *backend, cells, 2);
  ASSERT_EQ(one[0].losses.size(), 5u);
  ASSERT_EQ(two[0].losses.size(), 5u);
  for (size_t d = 0; d < 5; ++d) {
    EXPECT_EQ(one[0].losses[d].weighted_loss,
              ScoreDocument(*backend, needles[d], rope).weighted_loss);
    EXPECT_NEAR(two[0].losses[d].weighted_loss, one[0].losses[d].weighted_loss, 1e-5);
    EXPECT_EQ(two[0].losses[d].weight, 5.0);
  }
  const NeedleRetrieval direct = EvaluateNeedleRetrieval(*backend, needles, rope, 5);
  for (const auto* scores : {&one, &two}) {
    const NeedleRetrieval& r = (*scores)[1].retrieval;
    EXPECT_EQ(r.documents, 5);
    EXPECT_EQ(r.exact, direct.exact);
    EXPECT_EQ(r.correct_digits, direct.correct_digits);
    EXPECT_EQ(r.digits, 25);
  }
  int64_t last_done = 0;
  ScoreCells(*comm, *backend, cells, 2, [&](int64_t done, int64_t total) {
    EXPECT_EQ(total, 6);  // 3 chunks of <= 2 documents per cell
    EXPECT_EQ(done, last_done + 1);
    last_done = done;
  });
  EXPECT_EQ(last_done, 6);
}

TEST(EvaluatePerplexity, ScoresTheSearchsDocumentsAsTheSearchDoes) {
  auto backend = testing::TinyBackend(TinyEvalConfig(), 5, 1);
  const auto comm = dist::MakeSingleProcessCommunicator();
  const ByteTokenizer tokenizer;
  PerplexitySettings settings;
  settings.lengths = {120, 160};
  settings.documents = 3;
  settings.seed = 11;
  settings.needle = true;
  settings.retrieval = true;
  const BaselineRope baselines[] = {BaselineRope::kOriginal, BaselineRope::kYarn};
  const auto ropes = NameBaselineRopes(TinyEvalConfig().rope, baselines, 160);
  const auto cells =
      EvaluatePerplexity(*comm, *backend, "m.h5", TextCorpus(), ropes, settings, tokenizer);
  ASSERT_EQ(cells.size(), 4u);
  size_t next = 0;
  for (int length : settings.lengths) {
    const auto windows =
        BuildEvaluationDocuments(FitnessKind::kPerplexity, TextCorpus(), 3, length, 11, tokenizer);
    const auto needles =
        BuildEvaluationDocuments(FitnessKind::kNeedle, TextCorpus(), 3, length, 11, tokenizer);
    for (const NamedRope& rope : ropes) {
      const PerplexityCell& cell = cells[next++];
      EXPECT_EQ(cell.model, "m.h5");
      EXPECT_EQ(cell.rope, rope.name);
      EXPECT_EQ(cell.length, length);
      double loss = 0.0, weight = 0.0;
      for (size_t d = 0; d < 3; ++d) {
        const LossSums s = ScoreDocument(*backend, windows[d], rope.spec);
        EXPECT_EQ(cell.windows[d].weighted_loss, s.weighted_loss);
        EXPECT_EQ(cell.needle[d].weighted_loss,
                  ScoreDocument(*backend, needles[d], rope.spec).weighted_loss);
        loss += s.weighted_loss;
        weight += s.weight;
      }
      EXPECT_EQ(cell.Perplexity(), std::exp(loss / weight));
      EXPECT_EQ(weight, 3.0 * (length - 1));
      ASSERT_TRUE(cell.retrieval.has_value());
      EXPECT_EQ(cell.retrieval->documents, 3);
    }
  }
}

TEST(EvaluatePerplexity, AModelWithUniformLogitsHasPerplexityVocabSize) {
  auto backend = testing::TinyBackend(TinyEvalConfig(), 5, 1);
  ParameterSet weights = backend->GetParameters();
  std::fill(weights.at("lm_head.weight").data.begin(), weights.at("lm_head.weight").data.end(),
            0.0f);
  backend->SetParameters(weights);
  const auto comm = dist::MakeSingleProcessCommunicator();
  PerplexitySettings settings;
  settings.lengths = {128, 192};
  settings.documents = 4;
  settings.needle = true;
  settings.batch_size = 3;
  const BaselineRope baselines[] = {BaselineRope::kOriginal, BaselineRope::kPi, BaselineRope::kNtk,
                                    BaselineRope::kYarn};
  const auto cells = EvaluatePerplexity(*comm, *backend, "uniform", TextCorpus(),
                                        NameBaselineRopes(TinyEvalConfig().rope, baselines, 192),
                                        settings, ByteTokenizer());
  ASSERT_EQ(cells.size(), 8u);
  for (const PerplexityCell& cell : cells) {
    EXPECT_NEAR(cell.Perplexity(), 256.0, 1e-3) << cell.rope << " " << cell.length;
    EXPECT_NEAR(cell.NeedleLoss(), std::log(256.0), 1e-6);
    EXPECT_NEAR(cell.NeedleLossSem(), 0.0, 1e-6);
  }
}

}  // namespace
}  // namespace ropescale
