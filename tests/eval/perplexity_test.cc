// Loss scoring: sums over windows and needle documents against direct per-row forwards of the
// CPU backend, invariance to the batch size, a uniform model's perplexity, the standard error.
#include "src/eval/perplexity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "src/core/error.h"
#include "src/eval/greedy_generate.h"
#include "src/eval/text_windows.h"
#include "tests/eval/eval_test_data.h"
#include "tests/eval/fake_backends.h"

namespace ropescale {
namespace {

using testing::TinyEvalConfig;

Corpus TextCorpus() { return testing::RepeatedLinesCorpus(1); }

std::unique_ptr<Backend> TinyBackend() {
  auto backend = testing::TinyBackend(TinyEvalConfig(), 3, 0);
  return backend;
}

TEST(Perplexity, WindowSumsMatchPerRowForwardsForAnyBatchSize) {
  auto backend = TinyBackend();
  const auto windows = MakeTextWindows(TextCorpus(), 5, 40, 2);
  const RopeSpec rope = TinyEvalConfig().rope;
  double expected = 0.0;
  for (const auto& window : windows) {
    expected += backend->Forward(MakeCausalLmBatch(window, rope), {}).loss.weighted_loss;
  }
  const LossSums one = ScoreTextWindows(*backend, windows, rope, 1);
  const LossSums three = ScoreTextWindows(*backend, windows, rope, 3);
  EXPECT_DOUBLE_EQ(one.weight, 5.0 * 39);
  EXPECT_DOUBLE_EQ(three.weight, 5.0 * 39);
  EXPECT_NEAR(one.weighted_loss, expected, 1e-6 * expected);
  EXPECT_NEAR(three.weighted_loss, expected, 1e-6 * expected);
  // An untrained model is close to uniform over 256 bytes.
  EXPECT_NEAR(one.Mean(), std::log(256.0), 0.5);
}

TEST(Perplexity, NeedleLossCountsTheAnswerTokensOnlyInEveryRowOfABatch) {
  auto backend = TinyBackend();
  const ByteTokenizer tokenizer;
  const auto docs =
      BuildEvaluationDocuments(FitnessKind::kNeedle, TextCorpus(), 3, 120, 4, tokenizer);
  const RopeSpec rope = TinyEvalConfig().rope;
  ForwardOptions options;
  options.want_token_losses = true;
  const std::vector<LossSums> rows = ScoreDocumentRows(*backend, docs, rope);
  ASSERT_EQ(rows.size(), 3u);
  for (size_t d = 0; d < docs.size(); ++d) {
    const ForwardOutput out = backend->Forward(MakeCausalLmBatch(docs[d].tokens, rope), options);
    double expected = 0.0;
    for (int t = 120 - 6; t < 119; ++t) expected += out.token_losses[t];
    EXPECT_DOUBLE_EQ(rows[d].weight, 5.0);
    EXPECT_NEAR(rows[d].weighted_loss, expected, 1e-5 * expected);
    // One row alone is exactly ScoreDocument, the search's score of a document.
    const LossSums alone = ScoreDocument(*backend, docs[d], rope);
    EXPECT_EQ(ScoreDocumentRows(*backend, std::span(docs).subspan(d, 1), rope)[0].weighted_loss,
              alone.weighted_loss);
    EXPECT_NEAR(alone.weighted_loss, expected, 1e-5 * expected);
  }
  const LossSums total = SumInOrder(rows);
  EXPECT_EQ(total.weighted_loss,
            (rows[0].weighted_loss + rows[1].weighted_loss) + rows[2].weighted_loss);
  EXPECT_EQ(total.weight, 15.0);
}

TEST(Perplexity, AModelWithUniformLogitsHasThePerplexityOfItsVocabulary) {
  const ModelConfig config = TinyEvalConfig();
  auto backend = testing::TinyBackend(config, 3, 0);
  ParameterSet weights = backend->GetParameters();
  Tensor& head = weights.at("lm_head.weight");
  std::fill(head.data.begin(), head.data.end(), 0.0f);  // every logit 0
  backend->SetParameters(weights);
  const auto windows = MakeTextWindows(TextCorpus(), 4, 50, 1);
  EXPECT_NEAR(std::exp(ScoreTextWindows(*backend, windows, config.rope, 3).Mean()),
              config.vocab_size, 1e-3);
}

TEST(Perplexity, StandardErrorOfThePerDocumentMeans) {
  const std::vector<LossSums> sums = {{2.0, 1.0}, {8.0, 2.0}, {9.0, 1.0}};  // means 2, 4, 9
  // mean 5, squares 9 + 1 + 16 = 26, s.e. = sqrt(26 / 2 / 3)
  EXPECT_DOUBLE_EQ(StandardErrorOfMeans(sums), std::sqrt(26.0 / 2.0 / 3.0));
  EXPECT_EQ(StandardErrorOfMeans(std::span(sums).first(1)), 0.0);
}

// A backend without incremental decoding (the Backend defaults) says so.
// A backend that keeps the interface's default decoding calls (which refuse).
class NoDecodingModel final : public testing::NextTokenModel {
 public:
  int32_t Next(std::span<const int32_t>) const override { return '0'; }
  void BeginDecode(const DecodeSpec& spec) override { Backend::BeginDecode(spec); }
  std::vector<float> Prefill(const std::vector<int32_t>& t) override { return Backend::Prefill(t); }
  std::vector<float> DecodeStep(const std::vector<int32_t>& t) override {
    return Backend::DecodeStep(t);
  }
};

TEST(Perplexity, GreedyGenerateOnABackendWithoutDecodingIsAnError) {
  NoDecodingModel model;
  try {
    GreedyGenerate(model, {{1, 2, 3}}, {}, 2);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("backend scripted has no incremental decoding"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ropescale
