// Data-parallel mixed training under mpirun -np 1/2/4: the run over all ranks against the same run
// in one process (every rank computes that reference itself). The global batch does not depend on
// the rank count, so the losses agree step by step within fp32 summation-order rounding; the first
// step's loss (before any update) agrees to 1e-6 relative, every later step to 1e-4.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/dist/communicator.h"
#include "src/dist/world.h"
#include "src/train/mixed_trainer.h"
#include "src/train/training_rope.h"
#include "tests/train/train_test_util.h"

namespace ropescale {
namespace {

namespace fs = std::filesystem;

std::vector<double> Losses(const std::string& metrics) {
  std::vector<double> losses;
  std::ifstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    losses.push_back(nlohmann::json::parse(line)["loss"].get<double>());
  }
  return losses;
}

MixedTrainOptions RunOptions(const Checkpoint& base, const fs::path& folder,
                             const std::string& name) {
  MixedTrainOptions options;
  options.data.short_len = 32;
  options.data.long_len = 128;
  options.data.global_batch_tokens = 1024;  // 4 long rows + 16 short rows
  options.data.seed = 4;
  options.rope = ResolveTrainingRope(base.config.rope, testing::TinyLongRope(base.config, 128),
                                     true, TrainRope::kFactors, 128);
  options.schedule.peak = 5e-3;
  options.schedule.warmup_steps = 2;
  options.schedule.total_steps = 6;
  options.backend.num_threads = 1;
  options.out_path = (folder / (name + ".h5")).string();
  options.metrics_path = (folder / (name + ".jsonl")).string();
  options.log_every_seconds = 1e9;
  return options;
}

TEST(DataParallel, RanksAgreeWithOneProcess) {
  auto world = dist::WorldCommunicator();
  // One folder per job (ctest runs np 1, 2 and 4 at the same time): rank 0's pid, broadcast.
  std::vector<int64_t> pid = {static_cast<int64_t>(getpid())};
  world->Broadcast(HostView(std::span<int64_t>(pid)), 0);
  const fs::path folder =
      fs::temp_directory_path() / ("ropescale_train_mpi_test_" + std::to_string(pid[0]));
  if (world->IsRoot()) {
    fs::remove_all(folder);
    fs::create_directories(folder);
  }
  world->Barrier();
  const Checkpoint base = testing::TinyBaseModel();
  const Corpus corpus = testing::SmallCorpus();

  const MixedTrainResult parallel =
      RunMixedTraining(RunOptions(base, folder, "parallel"), base, corpus, *world);
  auto single = dist::MakeSingleProcessCommunicator();
  const std::string reference_name = "single" + std::to_string(world->Rank());
  RunMixedTraining(RunOptions(base, folder, reference_name), base, corpus, *single);
  world->Barrier();

  EXPECT_EQ(parallel.steps_done, 6);
  const std::vector<double> a = Losses((folder / "parallel.jsonl").string());
  const std::vector<double> b = Losses((folder / (reference_name + ".jsonl")).string());
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  EXPECT_NEAR(a[0], b[0], 1e-6 * b[0]);
  for (size_t s = 0; s < a.size(); ++s) EXPECT_NEAR(a[s], b[s], 1e-4 * b[s]) << "step " << s + 1;
  world->Barrier();
  if (world->IsRoot()) fs::remove_all(folder);
}

}  // namespace
}  // namespace ropescale
