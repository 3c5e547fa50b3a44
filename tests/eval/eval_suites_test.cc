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
#include "src/eval/passkey_suite.h"
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

PasskeySettings SmallPasskeySettings() {
  PasskeySettings settings;
  settings.lengths = {200, 260};
  settings.documents = 6;
  settings.depths = {0.0, 0.5, 1.0};
  settings.formats = {DefaultNeedleFormat(NeedleKind::kPasskey),
                      DefaultNeedleFormat(NeedleKind::kMagicNumber),
                      DefaultNeedleFormat(NeedleKind::kKeyValue)};
  settings.seed = 5;
  return settings;
}

// The key of an evaluation document: its weighted targets.
std::string KeyOf(const EvaluationDocument& doc) {
  std::string key;
  for (size_t t = 0; t < doc.tokens.size(); ++t) {
    if (doc.loss_weights[t] > 0.0f) key.push_back(static_cast<char>(doc.targets[t]));
  }
  return key;
}

TEST(PasskeyDocuments, AreAPureFunctionOfFormatLengthAndIndex) {
  const ByteTokenizer tokenizer;
  PasskeySettings settings = SmallPasskeySettings();
  const auto sets = MakePasskeyDocuments(TextCorpus(), settings, tokenizer);
  ASSERT_EQ(sets.size(), 3u * 2 * 3);
  // Fewer documents, other depths and lengths, one format: the same documents where they meet.
  PasskeySettings fewer = settings;
  fewer.documents = 2;
  fewer.depths = {1.0};
  fewer.lengths = {260};
  fewer.formats = {settings.formats[1]};
  const auto subset = MakePasskeyDocuments(TextCorpus(), fewer, tokenizer);
  ASSERT_EQ(subset.size(), 1u);
  const DocumentSet& same = sets[1 * 6 + 1 * 3 + 2];  // magic-number, 260, depth 1
  EXPECT_EQ(same.length, 260);
  EXPECT_EQ(same.depth, 1.0);
  EXPECT_EQ(same.format.kind, NeedleKind::kMagicNumber);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(subset[0].documents[i], same.documents[i]);

  for (const DocumentSet& set : sets) {
    const DocumentSet& at_zero = sets[&set - sets.data() - (&set - sets.data()) % 3];
    ASSERT_EQ(set.documents.size(), 6u);
    for (int i = 0; i < 6; ++i) {
      const EvaluationDocument& doc = set.documents[i];
      ASSERT_EQ(static_cast<int>(doc.tokens.size()), set.length);
      // At every depth the same key (and filler): only the needle moves.
      EXPECT_EQ(KeyOf(doc), KeyOf(at_zero.documents[i]));
      EXPECT_EQ(static_cast<int>(KeyOf(doc).size()), set.format.digits);
    }
    // Depth 0: the needle opens the document.
    if (set.depth == 0.0) {
      const std::string text = tokenizer.Decode(set.documents[0].tokens);
      EXPECT_EQ(text.rfind(" The ", 0) == 0 || text.rfind(" One of", 0) == 0, true) << text;
    }
  }
  // Different indices and lengths draw different keys (with overwhelming probability).
  EXPECT_NE(sets[0].documents[0], sets[0].documents[1]);
  EXPECT_NE(KeyOf(sets[0].documents[0]) + KeyOf(sets[0].documents[1]),
            KeyOf(sets[3].documents[0]) + KeyOf(sets[3].documents[1]));
}

TEST(PasskeyDocuments, BadSettingsAreErrorsNamingTheProblem) {
  const ByteTokenizer tokenizer;
  PasskeySettings settings = SmallPasskeySettings();
  settings.lengths = {100};
  try {
    MakePasskeyDocuments(TextCorpus(), settings, tokenizer);
    FAIL() << "a length too short for kv was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("too short for format"), std::string::npos) << e.what();
  }
  settings = SmallPasskeySettings();
  settings.depths = {1.5};
  EXPECT_THROW(MakePasskeyDocuments(TextCorpus(), settings, tokenizer), Error);
  settings = SmallPasskeySettings();
  settings.documents = 0;
  EXPECT_THROW(MakePasskeyDocuments(TextCorpus(), settings, tokenizer), Error);
  settings = SmallPasskeySettings();
  settings.lengths = {5000};  // longer than every document of the corpus
  EXPECT_THROW(MakePasskeyDocuments(TextCorpus(), settings, tokenizer), Error);
}

TEST(EvaluatePasskey, ACopierRetrievesEverythingAndAConstantNothing) {
  const ByteTokenizer tokenizer;
  PasskeySettings settings = SmallPasskeySettings();
  settings.depths.push_back(std::nullopt);  // and random depths
  const auto sets = MakePasskeyDocuments(TextCorpus(), settings, tokenizer);
  const auto comm = dist::MakeSingleProcessCommunicator();
  const std::vector<NamedRope> ropes = {{"model", TinyEvalConfig().rope},
                                        {"other", TinyEvalConfig().rope}};
  testing::CopyingModel copier;
  const auto results = EvaluatePasskey(*comm, copier, "copier", ropes, sets, 4);
  ASSERT_EQ(results.size(), 2 * sets.size());
  for (const PasskeyResult& r : results) {
    EXPECT_EQ(r.model, "copier");
    EXPECT_EQ(r.retrieval.documents, 6);
    EXPECT_EQ(r.Accuracy(), 1.0) << NeedleKindName(r.format.kind) << " " << r.length;
    EXPECT_EQ(r.StandardError(), 0.0);
    EXPECT_EQ(r.DigitAccuracy(), 1.0);
  }
  EXPECT_EQ(results[0].rope, "model");
  EXPECT_EQ(results.back().rope, "other");
  EXPECT_FALSE(results.back().depth.has_value());

  testing::ConstantModel never('x');
  for (const PasskeyResult& r : EvaluatePasskey(*comm, never, "never", ropes, sets, 1)) {
    EXPECT_EQ(r.Accuracy(), 0.0);
    EXPECT_EQ(r.DigitAccuracy(), 0.0);
  }
}

TEST(EvaluatePasskey, AccuracyAndStandardErrorOfAModelThatMissesSomeKeys) {
  const ByteTokenizer tokenizer;
  PasskeySettings settings;
  settings.lengths = {150};
  settings.documents = 40;
  const auto sets = MakePasskeyDocuments(TextCorpus(), settings, tokenizer);
  ASSERT_EQ(sets.size(), 1u);
  int even = 0;
  for (const EvaluationDocument& doc : sets[0].documents) even += (KeyOf(doc)[0] - '0') % 2 == 0;
  const auto comm = dist::MakeSingleProcessCommunicator();
  testing::CopyingModel misses_odd(true);
  const std::vector<NamedRope> ropes = {{"model", TinyEvalConfig().rope}};
  const auto results = EvaluatePasskey(*comm, misses_odd, "m", ropes, sets, 3);
  ASSERT_EQ(results.size(), 1u);
  const double p = even / 40.0;
  EXPECT_GT(even, 0);
  EXPECT_LT(even, 40);
  EXPECT_EQ(results[0].retrieval.exact, even);
  EXPECT_DOUBLE_EQ(results[0].Accuracy(), p);
  EXPECT_DOUBLE_EQ(results[0].StandardError(), std::sqrt(p * (1 - p) / 40));
  // Digit accuracy counts the written digits that match: every digit of the even keys, at most
  // four of each odd one (a wrong first digit changes what the copier matches next).
  EXPECT_LE(results[0].DigitAccuracy(), (200.0 - (40 - even)) / 200.0);
  EXPECT_GE(results[0].DigitAccuracy(), 5.0 * even / 200.0);
  EXPECT_DOUBLE_EQ(results[0].DigitAccuracy(),
                   static_cast<double>(results[0].retrieval.correct_digits) / 200.0);
}

}  // namespace
}  // namespace ropescale
