// The pretraining loop on a tiny model: the schedule, the batches (deterministic by step, pass-key
// rows with their weights), loss going down, bit-exact resume, and divergence handling.
#include "src/train/pretrain.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>

#include "io/checkpoint.h"
#include "src/core/error.h"
#include "src/eval/needle_format.h"
#include "src/eval/perplexity.h"
#include "src/eval/text_windows.h"
#include "src/model/init_parameters.h"
#include "tests/train/train_test_util.h"

namespace ropescale {
namespace {

namespace fs = std::filesystem;
using testing::SmallCorpus;

PretrainOptions TinyOptions(const std::string& out, int context = 32) {
  PretrainOptions options;
  options.model = MakeTinyModelConfig(16, 2, 2, 1, 32, context);
  options.data.context = context;
  options.data.batch_size = 4;
  options.data.seed = 11;
  options.data.passkey_fraction = 0.0;
  options.schedule.peak = 1e-2;
  options.schedule.warmup_steps = 2;
  options.schedule.total_steps = 8;
  options.backend.num_threads = 1;
  options.out_path = out;
  options.log_every_seconds = 1e9;
  return options;
}

fs::path TempPath(const std::string& name) {
  const fs::path path = fs::temp_directory_path() / ("ropescale_pretrain_test_" + name);
  fs::remove(path);
  return path;
}

TEST(LrSchedule, WarmsUpThenDecaysToTheFloor) {
  const LrSchedule schedule{1.0, 0.1, 10, 110};
  EXPECT_DOUBLE_EQ(LearningRate(schedule, 0), 0.1);
  EXPECT_DOUBLE_EQ(LearningRate(schedule, 9), 1.0);
  EXPECT_DOUBLE_EQ(LearningRate(schedule, 10), 1.0);
  EXPECT_NEAR(LearningRate(schedule, 60), 0.55, 1e-12);  // half-way: (1 + 0.1) / 2
  EXPECT_NEAR(LearningRate(schedule, 110), 0.1, 1e-12);
  for (int64_t step = 10; step < 110; ++step) {
    EXPECT_LE(LearningRate(schedule, step + 1), LearningRate(schedule, step));
  }
}

TEST(PretrainBatch, PlainRowsAreDocumentSpansAndDependOnlyOnTheStep) {
  const Corpus corpus = SmallCorpus();
  PretrainData data;
  data.context = 64;
  data.batch_size = 6;
  data.passkey_fraction = 0.0;
  const RopeSpec rope = MakeTinyModelConfig(16, 1, 2, 2, 32, 64).rope;
  const Batch batch = MakePretrainBatch(corpus, data, 5, ByteTokenizer(), rope);
  ASSERT_EQ(batch.tokens.size(), 6u * 64);
  for (int row = 0; row < 6; ++row) {
    std::vector<int32_t> span(batch.tokens.begin() + row * 64,
                              batch.tokens.begin() + row * 64 + 64);
    span.push_back(batch.targets[row * 64 + 63]);
    for (int t = 0; t + 1 < 64; ++t) EXPECT_EQ(batch.targets[row * 64 + t], span[t + 1]);
    bool found = false;
    for (const Document& doc : corpus.documents) {
      found |= std::search(doc.tokens.begin(), doc.tokens.end(), span.begin(), span.end()) !=
               doc.tokens.end();
    }
    EXPECT_TRUE(found) << "row " << row;
  }
  for (float w : batch.loss_weights) EXPECT_EQ(w, 1.0f);
  EXPECT_EQ(MakePretrainBatch(corpus, data, 5, ByteTokenizer(), rope).tokens, batch.tokens);
  EXPECT_NE(MakePretrainBatch(corpus, data, 6, ByteTokenizer(), rope).tokens, batch.tokens);
}

// The T + 1 tokens row `row` was cut from (its tokens and its last target), as text.
std::string RowText(const Batch& batch, int row) {
  const int64_t T = batch.seq_len;
  std::vector<int32_t> sequence(batch.tokens.begin() + row * T,
                                batch.tokens.begin() + (row + 1) * T);
  sequence.push_back(batch.targets[row * T + T - 1]);
  return ByteTokenizer().Decode(sequence);
}

TEST(PretrainBatch, AMixOfFormatsGivesRowsOfEachFormat) {
  const Corpus corpus = SmallCorpus();
  PretrainData data;
  data.context = 256;
  data.batch_size = 40;
  data.passkey_fraction = 1.0;
  data.answer_weight = 2.0;
  data.needle_formats = ParseNeedleFormatList("passkey,magic-number");
  const RopeSpec rope = MakeTinyModelConfig(16, 1, 2, 2, 32, 256).rope;
  const Batch batch = MakePretrainBatch(corpus, data, 3, ByteTokenizer(), rope);
  int passkey = 0, magic = 0;
  for (int row = 0; row < 40; ++row) {
    const std::string text = RowText(batch, row);
    const bool is_passkey = text.compare(text.size() - 21, 16, "The pass key is ") == 0;
    const bool is_magic = text.find(" One of the special magic numbers for ") != std::string::npos;
    ASSERT_NE(is_passkey, is_magic) << text;
    passkey += is_passkey;
    magic += is_magic;
    const int digits = is_passkey ? 5 : 7;
    for (int t = 0; t < 256; ++t) {
      EXPECT_EQ(batch.loss_weights[row * 256 + t], t >= 256 - digits ? 2.0f : 1.0f) << t;
    }
  }
  EXPECT_GT(passkey, 8);
  EXPECT_GT(magic, 8);
}

TEST(PretrainBatch, PasskeyRowsEndWithTheKeyAndWeighItsTargets) {
  const Corpus corpus = SmallCorpus();
  PretrainData data;
  data.context = 160;
  data.batch_size = 5;
  data.passkey_fraction = 1.0;
  data.answer_weight = 3.0;
  const RopeSpec rope = MakeTinyModelConfig(16, 1, 2, 2, 32, 160).rope;
  const Batch batch = MakePretrainBatch(corpus, data, 0, ByteTokenizer(), rope);
  const std::string question = " What is the pass key? The pass key is ";
  for (int row = 0; row < 5; ++row) {
    const std::string text = RowText(batch, row);
    const size_t ask = text.rfind(question);
    ASSERT_NE(ask, std::string::npos);
    const std::string key = text.substr(ask + question.size());
    ASSERT_EQ(key.size(), 5u) << text;
    EXPECT_NE(text.find("The pass key is " + key + ". Remember it."), std::string::npos);
    for (int t = 0; t < 160; ++t) {
      EXPECT_EQ(batch.loss_weights[row * 160 + t], t >= 155 ? 3.0f : 1.0f) << t;
    }
  }
}

TEST(Pretrain, LossGoesDown) {
  const Corpus corpus = SmallCorpus();
  PretrainOptions options = TinyOptions(TempPath("down.h5").string());
  options.schedule.total_steps = 40;
  const auto windows = MakeTextWindows(corpus, 6, 32, 99);
  auto before = CreateBackend(options.model, options.backend);
  before->SetParameters(InitParameters(options.model, options.data.seed));
  const double loss_before = ScoreTextWindows(*before, windows, options.model.rope, 6).Mean();

  const PretrainResult result = RunPretraining(options, corpus);
  EXPECT_EQ(result.steps_done, 40);
  EXPECT_EQ(result.tokens_seen, 40 * 4 * 32);
  const Checkpoint trained = ReadCheckpoint(options.out_path, false);
  auto after = CreateBackend(trained.config, options.backend);
  after->SetParameters(trained.weights);
  const double loss_after = ScoreTextWindows(*after, windows, options.model.rope, 6).Mean();
  EXPECT_LT(loss_after, loss_before - 1.0) << loss_before << " -> " << loss_after;
}

TEST(Pretrain, ResumeGivesBitIdenticalWeights) {
  const Corpus corpus = SmallCorpus();
  PretrainOptions straight = TinyOptions(TempPath("straight.h5").string(), 128);
  straight.data.passkey_fraction = 0.5;
  RunPretraining(straight, corpus);

  PretrainOptions split = straight;
  split.out_path = TempPath("split.h5").string();
  split.max_steps_this_run = 3;
  EXPECT_EQ(RunPretraining(split, corpus).steps_done, 3);
  split.resume = true;
  split.max_steps_this_run = 0;
  const PretrainResult resumed = RunPretraining(split, corpus);
  EXPECT_EQ(resumed.steps_done, 8);
  EXPECT_EQ(resumed.tokens_seen, 8 * 4 * 128);

  const Checkpoint a = ReadCheckpoint(straight.out_path, true);
  const Checkpoint b = ReadCheckpoint(split.out_path, true);
  EXPECT_TRUE(a.weights == b.weights);
  ASSERT_TRUE(a.training && b.training);
  EXPECT_EQ(a.training->optimizer.step, b.training->optimizer.step);
  EXPECT_TRUE(a.training->optimizer.m == b.training->optimizer.m);
  EXPECT_TRUE(a.training->optimizer.v == b.training->optimizer.v);
  EXPECT_EQ(a.training->data_cursor, 8);
  EXPECT_EQ(b.training->data_cursor, 8);

  // A resume with other data settings would not continue the same run: each is refused,
  // naming the option, and the checkpoint is left as it was.
  const auto before = fs::last_write_time(split.out_path);
  const auto expect_refused = [&](const std::string& option, auto change) {
    PretrainOptions other = split;
    change(other);
    try {
      RunPretraining(other, corpus);
      ADD_FAILURE() << "resume with a different " << option << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("different " + option), std::string::npos) << e.what();
    }
  };
  expect_refused("--seed", [](PretrainOptions& o) { o.data.seed = 12; });
  expect_refused("--batch", [](PretrainOptions& o) { o.data.batch_size = 2; });
  expect_refused("--context", [](PretrainOptions& o) { o.data.context = 64; });
  expect_refused("--passkey-fraction", [](PretrainOptions& o) { o.data.passkey_fraction = 0.25; });
  expect_refused("--answer-weight", [](PretrainOptions& o) { o.data.answer_weight += 1.0; });
  EXPECT_EQ(fs::last_write_time(split.out_path), before);
}

TEST(Pretrain, DivergenceFailsWithoutWritingACheckpoint) {
  PretrainOptions options = TinyOptions(TempPath("diverged.h5").string());
  options.schedule.peak = std::numeric_limits<double>::infinity();
  options.schedule.warmup_steps = 0;
  options.adamw.grad_clip = 0.0;
  options.checkpoint_every = 1;
  EXPECT_THROW(RunPretraining(options, SmallCorpus()), Error);
  EXPECT_FALSE(fs::exists(options.out_path));
}

}  // namespace
}  // namespace ropescale
