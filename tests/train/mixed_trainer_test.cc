// The mixed context window trainer on a tiny model, one process: the loss falls on both kinds
// of rows, a stopped-and-resumed run ends bit-identical to an uninterrupted one, a NaN stops
// the run naming the step with the last checkpoint intact, periodic snapshots are pruned, and a
// resume with other data settings is refused.
#include "src/train/mixed_trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "io/checkpoint.h"
#include "src/core/error.h"
#include "src/dist/communicator.h"
#include "src/train/checkpoint_series.h"
#include "src/train/training_rope.h"
#include "tests/train/train_test_util.h"

namespace ropescale {
namespace {

namespace fs = std::filesystem;
using testing::SmallCorpus;
using testing::TempPath;
using testing::TinyBaseModel;
using testing::TinyLongRope;

MixedTrainOptions TinyRun(const Checkpoint& base, const std::string& out, int64_t steps) {
  MixedTrainOptions options;
  options.data.short_len = 32;
  options.data.long_len = 128;
  options.data.long_token_share = 0.5;
  options.data.global_batch_tokens = 512;
  options.data.seed = 9;
  options.rope = ResolveTrainingRope(base.config.rope, TinyLongRope(base.config, 128), true,
                                     TrainRope::kFactors, 128);
  options.schedule.peak = 1e-2;
  options.schedule.warmup_steps = 2;
  options.schedule.total_steps = steps;
  options.backend.num_threads = 1;
  options.out_path = out;
  options.log_every_seconds = 1e9;
  options.micro_batch_tokens = 128;
  return options;
}

TEST(MixedTrainer, LossFallsOnShortAndLongRows) {
  const Checkpoint base = TinyBaseModel();
  const fs::path out = TempPath("falls.h5");
  auto comm = dist::MakeSingleProcessCommunicator();
  const MixedTrainResult result =
      RunMixedTraining(TinyRun(base, out, 30), base, SmallCorpus(), *comm);
  EXPECT_EQ(result.steps_done, 30);
  EXPECT_EQ(result.tokens_seen, 30 * 512);
  EXPECT_LT(result.short_loss, result.first_short_loss - 1.0);
  EXPECT_LT(result.long_loss, result.first_long_loss - 1.0);
  // The final checkpoint carries the longrope RoPE it was trained on and the training state.
  const Checkpoint checkpoint = ReadCheckpoint(out, true);
  EXPECT_EQ(checkpoint.config.rope.kind, RopeKind::kLongRope);
  EXPECT_EQ(checkpoint.config.rope.long_factor, (std::vector<double>{1.0, 2.0, 4.0, 8.0}));
  ASSERT_TRUE(checkpoint.training.has_value());
  EXPECT_EQ(checkpoint.training->data_cursor, 30);
  EXPECT_EQ(checkpoint.training->optimizer.step, 30);
  fs::remove(out);
}

TEST(MixedTrainer, StopAndResumeIsBitIdentical) {
  const Checkpoint base = TinyBaseModel();
  auto comm = dist::MakeSingleProcessCommunicator();
  const fs::path straight = TempPath("straight.h5"), resumed = TempPath("resumed.h5");
  RunMixedTraining(TinyRun(base, straight, 7), base, SmallCorpus(), *comm);

  MixedTrainOptions first = TinyRun(base, resumed, 7);
  first.max_steps_this_run = 3;
  EXPECT_EQ(RunMixedTraining(first, base, SmallCorpus(), *comm).steps_done, 3);
  MixedTrainOptions second = TinyRun(base, resumed, 7);
  second.resume = true;
  EXPECT_EQ(RunMixedTraining(second, base, SmallCorpus(), *comm).steps_done, 7);

  const Checkpoint a = ReadCheckpoint(straight, true), b = ReadCheckpoint(resumed, true);
  EXPECT_EQ(a.weights, b.weights);
  EXPECT_EQ(a.training->optimizer.m, b.training->optimizer.m);
  EXPECT_EQ(a.training->optimizer.v, b.training->optimizer.v);
  EXPECT_EQ(a.training->tokens_seen, b.training->tokens_seen);
  fs::remove(straight);
  fs::remove(resumed);
}

TEST(MixedTrainer, ResumeRefusesOtherDataSettings) {
  const Checkpoint base = TinyBaseModel();
  auto comm = dist::MakeSingleProcessCommunicator();
  const fs::path out = TempPath("refuse.h5");
  MixedTrainOptions first = TinyRun(base, out, 4);
  first.max_steps_this_run = 2;
  RunMixedTraining(first, base, SmallCorpus(), *comm);
  MixedTrainOptions other = TinyRun(base, out, 4);
  other.resume = true;
  other.data.long_token_share = 0.25;
  try {
    RunMixedTraining(other, base, SmallCorpus(), *comm);
    FAIL() << "resume with another long_token_share was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("long_token_share"), std::string::npos) << e.what();
  }
  MixedTrainOptions same = TinyRun(base, out, 4);
  same.resume = true;
  try {
    RunMixedTraining(same, base, SmallCorpus(3000), *comm);
    FAIL() << "resume on other training data was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("training data"), std::string::npos) << e.what();
  }
  fs::remove(out);
}

TEST(MixedTrainer, NanStopsNamingTheStepAndKeepsTheLastCheckpoint) {
  const Checkpoint base = TinyBaseModel();
  auto comm = dist::MakeSingleProcessCommunicator();
  const fs::path out = TempPath("nan.h5");
  MixedTrainOptions options = TinyRun(base, out, 10);
  options.checkpoint_every = 2;
  options.keep_checkpoints = 0;
  options.inject_nan_at_step = 5;
  try {
    RunMixedTraining(options, base, SmallCorpus(), *comm);
    FAIL() << "a NaN weight did not stop the run";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("step 5"), std::string::npos) << e.what();
  }
  const Checkpoint last = ReadCheckpoint(out, true);
  EXPECT_EQ(last.training->data_cursor, 4);
  for (const auto& [name, tensor] : last.weights) {
    for (float value : tensor.data) ASSERT_TRUE(std::isfinite(value)) << name;
  }
  fs::remove(out);
}

TEST(MixedTrainer, KeepsTheNewestSnapshots) {
  const Checkpoint base = TinyBaseModel();
  auto comm = dist::MakeSingleProcessCommunicator();
  const fs::path folder = TempPath("snapshots");
  fs::create_directories(folder);
  const std::string out = (folder / "model.h5").string();
  MixedTrainOptions options = TinyRun(base, out, 6);
  options.checkpoint_every = 1;
  options.keep_checkpoints = 2;
  options.metrics_path = (folder / "metrics.jsonl").string();
  RunMixedTraining(options, base, SmallCorpus(), *comm);
  EXPECT_TRUE(fs::exists(out));
  EXPECT_TRUE(fs::exists(SnapshotPath(out, 6)));
  EXPECT_TRUE(fs::exists(SnapshotPath(out, 5)));
  EXPECT_FALSE(fs::exists(SnapshotPath(out, 4)));
  EXPECT_EQ(ReadCheckpoint(SnapshotPath(out, 5), true).training->data_cursor, 5);
  // One metrics line per step.
  std::ifstream metrics(options.metrics_path);
  int lines = 0;
  for (std::string line; std::getline(metrics, line);) ++lines;
  EXPECT_EQ(lines, 6);
  // A new run to the same path: the old run's later snapshots are another history and go.
  MixedTrainOptions again = TinyRun(base, out, 3);
  again.checkpoint_every = 1;
  again.keep_checkpoints = 2;
  RunMixedTraining(again, base, SmallCorpus(), *comm);
  EXPECT_TRUE(fs::exists(SnapshotPath(out, 3)));
  EXPECT_TRUE(fs::exists(SnapshotPath(out, 2)));
  EXPECT_FALSE(fs::exists(SnapshotPath(out, 5)));
  EXPECT_FALSE(fs::exists(SnapshotPath(out, 6)));
  EXPECT_TRUE(IsSnapshotOf(SnapshotPath(out, 3), out));
  EXPECT_FALSE(IsSnapshotOf(out, out));
  fs::remove_all(folder);
}

}  // namespace
}  // namespace ropescale
