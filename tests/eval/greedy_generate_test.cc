// GreedyGenerate (Prefill + DecodeStep) against greedy generation by full recomputation (the
// argmax of a Forward's last logits, one token appended at a time), on a random model and on
// the shipped tiny model with pass-key prompts; and its argument checks.
#include "src/eval/greedy_generate.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>
#include <tuple>

#include "io/model_loader.h"
#include "io/tokenizer.h"
#include "src/eval/baseline_ropes.h"
#include "src/eval/corpus.h"
#include "src/eval/needle_document.h"
#include "tests/model/model_test_util.h"

namespace ropescale {
namespace {

using testing::ExpectErrorNaming;

// Greedy generation the slow way: a Forward of each whole text per new token.
std::vector<std::vector<int32_t>> GreedyByRecompute(Backend& backend,
                                                    std::vector<std::vector<int32_t>> texts,
                                                    const RopeSpec& rope, int n_new) {
  const int vocab = backend.Config().vocab_size;
  std::vector<std::vector<int32_t>> generated(texts.size());
  ForwardOptions options;
  options.want_last_logits = true;
  for (int step = 0; step < n_new; ++step) {
    Batch batch;
    batch.batch_size = static_cast<int>(texts.size());
    batch.seq_len = static_cast<int>(texts[0].size());
    for (const auto& text : texts)
      batch.tokens.insert(batch.tokens.end(), text.begin(), text.end());
    batch.targets.assign(batch.tokens.size(), kIgnoreTarget);
    batch.ropes = {rope};
    const std::vector<float> logits = backend.Forward(batch, options).last_logits;
    for (size_t r = 0; r < texts.size(); ++r) {
      const int32_t token = GreedyToken(logits.data() + r * vocab, vocab);
      texts[r].push_back(token);
      generated[r].push_back(token);
    }
  }
  return generated;
}

TEST(GreedyGenerate, GreedyTokenIsTheArgmaxWithTheLowestIdOnTies) {
  const std::vector<float> logits = {0.5f, 2.0f, -1.0f, 2.0f, 1.9f};
  EXPECT_EQ(GreedyToken(logits.data(), 5), 1);
  EXPECT_EQ(GreedyToken(logits.data() + 2, 3), 1);  // {-1, 2, 1.9}
}

TEST(GreedyGenerate, EqualsRecomputationOnARandomModel) {
  const ModelConfig config = testing::TinyConfig();
  auto backend = CreateBackend(config, BackendOptions{});
  backend->SetParameters(testing::SpreadParameters(config, 31));
  CounterRng rng(32, 1);
  std::vector<std::vector<int32_t>> prompts(3);
  for (auto& prompt : prompts) {
    for (int t = 0; t < 9; ++t)
      prompt.push_back(static_cast<int32_t>(rng.Below(config.vocab_size)));
  }
  RopeSpec yarn = config.rope;
  yarn.kind = RopeKind::kYarn;
  yarn.factor = 4.0;
  yarn.original_max_position_embeddings = 8;
  for (const RopeSpec& rope : {config.rope, yarn}) {
    const auto generated = GreedyGenerate(*backend, prompts, rope, 24);
    EXPECT_EQ(generated, GreedyByRecompute(*backend, prompts, rope, 24));
    ASSERT_EQ(generated.size(), 3u);
    // Not a degenerate run: the rows write more than one distinct token.
    std::set<int32_t> distinct;
    for (const auto& row : generated) distinct.insert(row.begin(), row.end());
    EXPECT_GT(distinct.size(), 3u);
  }
  // One prompt, one new token: the Prefill alone.
  EXPECT_EQ(GreedyGenerate(*backend, {prompts[1]}, config.rope, 1),
            GreedyByRecompute(*backend, {prompts[1]}, config.rope, 1));
}

// Pass-key prompts (a needle document up to its answer) on the shipped tiny model: in its
// window with the original RoPE, and at 4x with YaRN.
TEST(GreedyGenerate, EqualsRecomputationOnTheTinyModelWithPassKeyPrompts) {
  const char* source = std::getenv("ROPESCALE_SOURCE_DIR");
  if (source == nullptr) GTEST_SKIP() << "ROPESCALE_SOURCE_DIR not set";
  const Checkpoint model = LoadModel(std::string(source) + "/data/tiny-llama.h5");
  auto backend = CreateBackend(model.config, BackendOptions{});
  backend->SetParameters(model.weights);
  const ByteTokenizer tokenizer;
  const Corpus corpus = ReadCorpus(std::string(source) + "/data/corpus/heldout", tokenizer);
  for (const auto& [length, baseline, count] :
       {std::tuple{256, BaselineRope::kOriginal, 6}, std::tuple{1024, BaselineRope::kYarn, 2}}) {
    const RopeSpec rope = MakeBaselineRope(model.config.rope, baseline, length);
    const auto docs = MakeNeedleDocuments(corpus, count, length, 1234, tokenizer);
    std::vector<std::vector<int32_t>> prompts;
    for (const NeedleDocument& doc : docs) {
      ASSERT_EQ(doc.answer_begin, docs[0].answer_begin);  // one prompt length for all
      prompts.emplace_back(doc.tokens.begin(), doc.tokens.begin() + doc.answer_begin);
    }
    const int digits = length - docs[0].answer_begin;
    const auto generated = GreedyGenerate(*backend, prompts, rope, digits);
    EXPECT_EQ(generated, GreedyByRecompute(*backend, prompts, rope, digits)) << length;
    // The model writes digits (it seldom writes the whole key: data/README.md).
    for (const auto& row : generated) {
      for (int32_t token : row) EXPECT_TRUE(token >= '0' && token <= '9') << token;
    }
  }
}

TEST(GreedyGenerate, RejectsEmptyOrUnequalPromptsAndNothingToGenerate) {
  const ModelConfig config = testing::TinyConfig();
  auto backend = CreateBackend(config, BackendOptions{});
  ExpectErrorNaming([&] { GreedyGenerate(*backend, {}, config.rope, 3); }, "no prompts");
  ExpectErrorNaming([&] { GreedyGenerate(*backend, {{}}, config.rope, 3); }, "prompts[0] is empty");
  ExpectErrorNaming(
      [&] {
        GreedyGenerate(*backend, {{1, 2}, {3}}, config.rope, 3);
      },
      "prompts[1] has 1 tokens but prompts[0] has 2");
  ExpectErrorNaming([&] { GreedyGenerate(*backend, {{1, 2}}, config.rope, 0); }, "n_new = 0");
  // The session ends with the call, also when it fails inside: a step finds none open.
  GreedyGenerate(*backend, {{1, 2}}, config.rope, 2);
  ExpectErrorNaming([&] { backend->DecodeStep({1}); }, "no decode session");
  ExpectErrorNaming(
      [&] {
        GreedyGenerate(*backend, {{1, config.vocab_size}}, config.rope, 2);
      },
      "outside the vocabulary");
  ExpectErrorNaming([&] { backend->DecodeStep({1}); }, "no decode session");
}

}  // namespace
}  // namespace ropescale
