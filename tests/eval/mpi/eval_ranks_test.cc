// Runs under mpiexec -n 1, 2 and 4: every evaluation metric distributed over the ranks gives
// bit-identical results to a serial reference that every rank computes alone (a single-process
// communicator): perplexity windows, needle loss, retrieval, the pass-key suite and the search's
// baseline comparison.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <string>

#include "src/dist/world.h"
#include "src/eval/baseline_comparison.h"
#include "src/eval/distributed_tasks.h"
#include "src/eval/eval_report.h"
#include "src/eval/passkey_suite.h"
#include "src/eval/perplexity_suite.h"
#include "tests/eval/eval_test_data.h"

namespace ropescale {
namespace {

// All processes of the test job (mpi_gtest_main initialised MPI).
std::unique_ptr<dist::Communicator> World() { return dist::WorldCommunicator(); }

using testing::TinyEvalConfig;

Corpus TextCorpus() { return testing::RepeatedLinesCorpus(3); }

TEST(DistributeTasks, EveryRankGetsEveryResultInTaskOrder) {
  const auto world = World();
  for (int tasks : {0, 1, 3, 17}) {
    const auto results = DistributeTasks(*world, tasks, [](int task) {
      return LossSums{std::sqrt(task + 0.5), static_cast<double>(task % 3)};
    });
    ASSERT_EQ(static_cast<int>(results.size()), tasks);
    for (int task = 0; task < tasks; ++task) {
      EXPECT_EQ(results[task].weighted_loss, std::sqrt(task + 0.5));
      EXPECT_EQ(results[task].weight, task % 3);
    }
  }
}

TEST(DistributeTasks, SpreadsTasksOverRanks) {
  // With a task that takes a while, every rank should get at least one of 4 * size tasks.
  const auto world = World();
  const int size = world->Size();
  int64_t mine = 0;
  DistributeTasks(*world, 4 * size, [&](int) {
    ++mine;
    usleep(20000);
    return LossSums{1, 1};
  });
  std::vector<int64_t> per_rank(size, 0);
  per_rank[world->Rank()] = mine;
  world->AllReduceSum(std::span<int64_t>(per_rank));
  for (int r = 0; r < size; ++r) EXPECT_GE(per_rank[r], 1) << "rank " << r;
}

TEST(DistributeTaskRecords, RecordsOfAnyWidthAndProgressOnEveryRank) {
  const auto world = World();
  int64_t calls = 0, last = 0;
  const std::vector<double> table = DistributeTaskRecords(
      *world, 9, 3,
      [](int64_t task, std::span<double> record) {
        for (int k = 0; k < 3; ++k) record[k] = -1.5 * task + k;
      },
      [&](int64_t done, int64_t total) {
        EXPECT_EQ(total, 9);
        EXPECT_GT(done, last);
        EXPECT_LE(done, 9);
        last = done;
        ++calls;
      });
  ASSERT_EQ(table.size(), 27u);
  for (int task = 0; task < 9; ++task) {
    for (int k = 0; k < 3; ++k) EXPECT_EQ(table[3 * task + k], -1.5 * task + k);
  }
  EXPECT_EQ(world->AllReduceSum(calls), 9);  // one call per task, on the rank that ran it
}

TEST(EvaluatePerplexity, IsBitIdenticalForAnyRankCount) {
  const auto world = World();
  const auto single = dist::MakeSingleProcessCommunicator();
  auto backend = testing::TinyBackend(TinyEvalConfig(), 7, 1);
  PerplexitySettings settings;
  settings.lengths = {120, 150};
  settings.documents = 5;
  settings.seed = 3;
  settings.needle = true;
  settings.retrieval = true;
  const BaselineRope baselines[] = {BaselineRope::kOriginal, BaselineRope::kPi, BaselineRope::kNtk,
                                    BaselineRope::kYarn};
  const auto ropes = NameBaselineRopes(TinyEvalConfig().rope, baselines, 150);
  for (int batch : {1, 2}) {
    settings.batch_size = batch;
    const auto mine =
        EvaluatePerplexity(*world, *backend, "m", TextCorpus(), ropes, settings, ByteTokenizer());
    const auto reference =
        EvaluatePerplexity(*single, *backend, "m", TextCorpus(), ropes, settings, ByteTokenizer());
    ASSERT_EQ(mine.size(), reference.size());
    for (size_t c = 0; c < mine.size(); ++c) {
      EXPECT_EQ(PerplexityRowJson(mine[c]).dump(), PerplexityRowJson(reference[c]).dump());
      for (size_t d = 0; d < mine[c].windows.size(); ++d) {
        EXPECT_EQ(mine[c].windows[d].weighted_loss, reference[c].windows[d].weighted_loss);
        EXPECT_EQ(mine[c].needle[d].weighted_loss, reference[c].needle[d].weighted_loss);
        EXPECT_EQ(mine[c].retrieval->per_document[d].correct,
                  reference[c].retrieval->per_document[d].correct);
      }
    }
  }
}

TEST(EvaluatePasskey, IsBitIdenticalForAnyRankCount) {
  const auto world = World();
  const auto single = dist::MakeSingleProcessCommunicator();
  auto backend = testing::TinyBackend(TinyEvalConfig(), 9, 1);
  PasskeySettings settings;
  settings.lengths = {160, 200};
  settings.documents = 7;
  settings.depths = {0.0, 0.5, std::nullopt};
  settings.formats = {DefaultNeedleFormat(NeedleKind::kPasskey),
                      DefaultNeedleFormat(NeedleKind::kMagicNumber)};
  const auto sets = MakePasskeyDocuments(TextCorpus(), settings, ByteTokenizer());
  const BaselineRope baselines[] = {BaselineRope::kModel, BaselineRope::kYarn};
  const auto ropes = NameBaselineRopes(TinyEvalConfig().rope, baselines, 200);
  const auto mine = EvaluatePasskey(*world, *backend, "m", ropes, sets, 3);
  const auto reference = EvaluatePasskey(*single, *backend, "m", ropes, sets, 3);
  ASSERT_EQ(mine.size(), reference.size());
  for (size_t r = 0; r < mine.size(); ++r) {
    EXPECT_EQ(PasskeyRowJson(mine[r]).dump(), PasskeyRowJson(reference[r]).dump());
  }
  EXPECT_EQ(PasskeyMarkdown(mine), PasskeyMarkdown(reference));
}

TEST(CompareWithBaselines, IsBitIdenticalForAnyRankCount) {
  const auto world = World();
  const auto single = dist::MakeSingleProcessCommunicator();
  auto backend = testing::TinyBackend(TinyEvalConfig(), 4, 1);
  const RopeSpec searched = MakeBaselineRope(TinyEvalConfig().rope, BaselineRope::kNtk, 128);
  const auto mine = CompareWithBaselines(*world, *backend, TextCorpus(), TinyEvalConfig().rope,
                                         searched, 128, 3, 1, ByteTokenizer());
  const auto reference = CompareWithBaselines(
      *single, *backend, TextCorpus(), TinyEvalConfig().rope, searched, 128, 3, 1, ByteTokenizer());
  EXPECT_EQ(mine.dump(), reference.dump());
  EXPECT_EQ(mine.size(), 5u);
}

}  // namespace
}  // namespace ropescale
