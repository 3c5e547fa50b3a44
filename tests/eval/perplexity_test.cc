// Scoring: sums over windows and needle documents against direct per-row forwards of the CPU
// backend, invariance to the batch size, and greedy retrieval against scripted fake models.
#include "src/eval/perplexity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "src/core/error.h"
#include "src/eval/greedy_generate.h"
#include "src/eval/text_windows.h"
#include "tests/support/tiny_model.h"

namespace ropescale {
namespace {

ModelConfig TinyConfig() {
  return testing::TinyModelConfig({.vocab_size = 256,
                                   .hidden_size = 16,
                                   .intermediate_size = 32,
                                   .num_layers = 1,
                                   .num_heads = 2,
                                   .num_kv_heads = 2,
                                   .head_dim = 8,
                                   .max_position_embeddings = 64});
}

Corpus TextCorpus() {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "to be or not to be, that is the question. "[i % 43];
  Corpus corpus;
  corpus.documents.push_back({"t", ByteTokenizer().Encode(text)});
  return corpus;
}

std::unique_ptr<Backend> TinyBackend() {
  auto backend = testing::TinyBackend(TinyConfig(), 3, 0);
  return backend;
}

TEST(Perplexity, WindowSumsMatchPerRowForwardsForAnyBatchSize) {
  auto backend = TinyBackend();
  const auto windows = MakeTextWindows(TextCorpus(), 5, 40, 2);
  const RopeSpec rope = TinyConfig().rope;
  double expected = 0.0;
  for (const auto& window : windows) {
    expected += backend->Forward(MakeCausalLmBatch(window, rope), {}).loss.weighted_loss;
  }
  size_t progress_calls = 0;
  const LossSums one =
      ScoreTextWindows(*backend, windows, rope, 1, [&](size_t, size_t) { ++progress_calls; });
  const LossSums three = ScoreTextWindows(*backend, windows, rope, 3);
  EXPECT_EQ(progress_calls, 5u);
  EXPECT_DOUBLE_EQ(one.weight, 5.0 * 39);
  EXPECT_DOUBLE_EQ(three.weight, 5.0 * 39);
  EXPECT_NEAR(one.weighted_loss, expected, 1e-6 * expected);
  EXPECT_NEAR(three.weighted_loss, expected, 1e-6 * expected);
  // An untrained model is close to uniform over 256 bytes.
  EXPECT_NEAR(one.Mean(), std::log(256.0), 0.5);
}

TEST(Perplexity, NeedleLossIsTheMeanOverAnswerTokensOnly) {
  auto backend = TinyBackend();
  const ByteTokenizer tokenizer;
  const auto docs = MakeNeedleDocuments(TextCorpus(), 3, 120, 4, tokenizer);
  const RopeSpec rope = TinyConfig().rope;
  double expected = 0.0;
  ForwardOptions options;
  options.want_token_losses = true;
  for (const NeedleDocument& doc : docs) {
    const ForwardOutput out = backend->Forward(MakeCausalLmBatch(doc.tokens, rope), options);
    for (int t = doc.answer_begin - 1; t < 119; ++t) expected += out.token_losses[t];
  }
  const LossSums sums = ScoreNeedleDocuments(*backend, docs, rope, 2);
  EXPECT_DOUBLE_EQ(sums.weight, 3.0 * 5);
  EXPECT_NEAR(sums.weighted_loss, expected, 1e-5 * expected);
}

// A scripted model: its last logits favour the digit that a perfect retriever (or a model that
// always says '0') would write next. Only Forward is used by the retrieval code.
class ScriptedModel final : public Backend {
 public:
  explicit ScriptedModel(bool retrieves) : retrieves_(retrieves) {}
  std::string Name() const override { return "scripted"; }
  const ModelConfig& Config() const override { return config_; }
  void SetParameters(const ParameterSet&) override {}
  ParameterSet GetParameters() const override { return {}; }
  bool AllFinite() const override { return true; }
  ForwardOutput Forward(const Batch& batch, const ForwardOptions& options) override {
    ForwardOutput out;
    const ByteTokenizer tokenizer;
    for (int row = 0; row < batch.batch_size; ++row) {
      const std::vector<int32_t> row_tokens(batch.tokens.begin() + row * batch.seq_len,
                                            batch.tokens.begin() + (row + 1) * batch.seq_len);
      const std::string text = tokenizer.Decode(row_tokens);
      const std::string cue = "The pass key is ";
      const std::string key = text.substr(text.find(cue) + cue.size(), 5);
      const size_t written = text.size() - (text.rfind(cue) + cue.size());
      std::vector<float> logits(256, 0.0f);
      logits[retrieves_ ? key[written] : '0'] = 5.0f;
      out.last_logits.insert(out.last_logits.end(), logits.begin(), logits.end());
    }
    return out;
  }
  void Backward(double) override {}
  void ZeroGradients() override {}
  BufferView GradientBuffer() override { return {}; }
  ParameterSet GetGradients() const override { return {}; }
  void SetGradients(const ParameterSet&) override {}
  double OptimizerStep(const AdamWConfig&, double) override { return 0.0; }
  OptimizerState GetOptimizerState() const override { return {}; }
  void SetOptimizerState(const OptimizerState&) override {}

 private:
  bool retrieves_;
  ModelConfig config_;
};

TEST(Perplexity, RetrievalCountsExactKeysUnderGreedyDecoding) {
  const ByteTokenizer tokenizer;
  const auto docs = MakeNeedleDocuments(TextCorpus(), 40, 150, 8, tokenizer);
  ScriptedModel retriever(true);
  const NeedleRetrieval perfect = EvaluateNeedleRetrieval(retriever, docs, {}, 7);
  EXPECT_EQ(perfect.documents, 40);
  EXPECT_EQ(perfect.exact, 40);
  EXPECT_EQ(perfect.digits, 200);
  EXPECT_EQ(perfect.correct_digits, 200);
  EXPECT_DOUBLE_EQ(perfect.ExactFraction(), 1.0);

  ScriptedModel zeros(false);
  const NeedleRetrieval guess = EvaluateNeedleRetrieval(zeros, docs, {}, 3);
  int64_t zero_digits = 0, all_zero_keys = 0;
  for (const NeedleDocument& doc : docs) {
    zero_digits += std::count(doc.key.begin(), doc.key.end(), '0');
    all_zero_keys += doc.key == "00000";
  }
  EXPECT_EQ(guess.correct_digits, zero_digits);
  EXPECT_EQ(guess.exact, all_zero_keys);
}

// A backend without incremental decoding (the Backend defaults) says so.
TEST(Perplexity, GreedyGenerateOnABackendWithoutDecodingIsAnError) {
  ScriptedModel model(true);
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
