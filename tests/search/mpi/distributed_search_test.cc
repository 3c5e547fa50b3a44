// Runs under mpiexec -n 1, 2 and 4: the distributed search must give bit-identical results to
// a serial reference that every rank computes alone.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <span>

#include "src/dist/world.h"
#include "src/eval/perplexity.h"
#include "src/model/init_parameters.h"
#include "src/search/attention_scale.h"
#include "src/search/fitness.h"
#include "src/search/search_runner.h"
#include "tests/search/mpi/search_mpi_test_util.h"
#include "tests/search/search_test_model.h"
#include "tests/support/tiny_model.h"

namespace ropescale::search {
namespace {

// All processes of the test job (mpi_gtest_main initialised MPI).
std::unique_ptr<dist::Communicator> World() { return dist::WorldCommunicator(); }

class TinyModelSearch : public ::testing::TestWithParam<SearchMethod> {};

TEST_P(TinyModelSearch, DistributedEqualsSerialOnEveryRank) {
  const auto world = World();
  const ModelConfig config = SearchTestConfig();
  auto backend = testing::TinyBackend(config, 5, 1);
  const int target = 48;

  SearchSpaceOptions space_options;
  space_options.method = GetParam();
  space_options.num_factors = 8;
  space_options.scale = 3.0;
  space_options.critical_index = 5;
  space_options.grid_step = 0.1;
  if (GetParam() == SearchMethod::kLongRope) space_options.n_hat_grid = {0, 2, 4};

  SearchRunSettings settings;
  settings.space = MakeSearchSpace(space_options);
  settings.evolution.population = 6;
  settings.evolution.parents = 3;
  settings.evolution.mutations = 2;
  settings.evolution.crossovers = 1;  // 3 new candidates a generation: fewer than 4 ranks
  settings.seed = 2026;
  settings.generations = 3;
  settings.header.settings_json = "{}";
  settings.header.documents = RandomDocuments(3, target);
  const CandidateRopeOptions rope_options{config.rope, target, std::nullopt};
  const auto scorer = [&](const Candidate& c, int d) {
    return ScoreDocument(*backend, settings.header.documents[d],
                         CandidateRope(settings.space, rope_options, c));
  };
  const std::vector<Candidate> seeds = {settings.space.Snap(std::vector<double>(8, 3.0)),
                                        settings.space.Snap({1, 1.2, 1.5, 2, 2.5, 3, 3, 3})};

  ExpectDistributedEqualsSerial(*world, settings, seeds, scorer, "ropescale-mpi-search");
}

INSTANTIATE_TEST_SUITE_P(BothMethods, TinyModelSearch,
                         ::testing::Values(SearchMethod::kLongRope, SearchMethod::kLongRope2));

// LongRoPE2's attention-scale search runs on the same machinery: the same bit-identity.
class TinyModelAttentionScaleSearch : public ::testing::TestWithParam<AttentionScaleKind> {};

TEST_P(TinyModelAttentionScaleSearch, DistributedEqualsSerialOnEveryRank) {
  const auto world = World();
  const ModelConfig config = SearchTestConfig();
  auto backend = testing::TinyBackend(config, 5, 1);
  const int target = 48;
  RopeSpec fixed = config.rope;
  fixed.kind = RopeKind::kLongRope;
  fixed.original_max_position_embeddings = 16;
  fixed.max_position_embeddings = target;
  fixed.factor = 3.0;
  fixed.long_factor = {1, 1.2, 1.5, 2, 2.5, 3, 3, 3};
  fixed.short_factor.assign(8, 1.0);
  fixed.attention_factor = 1.4;

  SearchRunSettings settings;
  settings.space = MakeAttentionScaleSpace({.kind = GetParam(),
                                            .num_frequencies = 8,
                                            .min_multiplier = 0.5,
                                            .max_multiplier = 1.5,
                                            .grid_step = 0.05});
  settings.evolution.population = 6;
  settings.evolution.parents = 3;
  settings.evolution.mutations = 2;
  settings.evolution.crossovers = 1;
  settings.seed = 77;
  settings.generations = 3;
  settings.header.settings_json = "{}";
  settings.header.documents = RandomDocuments(3, target);
  int64_t calls = 0;  // scorer calls on this rank
  const auto scorer = [&](const Candidate& c, int d) {
    ++calls;
    return ScoreDocument(*backend, settings.header.documents[d],
                         AttentionScaleRope(settings.space, GetParam(), fixed, c));
  };
  const std::vector<Candidate> seeds =
      AttentionScaleSeeds(settings.space, GetParam(), 1.4, {1.0}, {});

  const SearchOutcome parallel = RunSearch(*world, settings, seeds, scorer);
  std::vector<int64_t> mine = {calls};
  calls = 0;
  const SearchOutcome reference =
      RunSearch(*dist::MakeSingleProcessCommunicator(), settings, seeds, scorer);
  // Each rank scored only its share (tasks are handed out by a shared counter, so shares may be
  // uneven): the ranks' calls add up to the serial run's, not to a multiple of it.
  const int64_t own = mine[0];
  world->AllReduceSum(std::span<int64_t>(mine));
  EXPECT_EQ(mine[0], calls) << "rank " << world->Rank() << " scored " << own;
  EXPECT_EQ(parallel.best.candidate, reference.best.candidate);
  EXPECT_EQ(parallel.best.fitness, reference.best.fitness);
  ExpectSameLogs(parallel.log, reference.log);
  // Different multipliers were really scored (not one value repeated).
  std::set<double> fitness;
  for (const auto& record : reference.log.generations) {
    for (const auto& m : record.members) fitness.insert(m.fitness);
  }
  EXPECT_GT(fitness.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(BothKinds, TinyModelAttentionScaleSearch,
                         ::testing::Values(AttentionScaleKind::kScalar,
                                           AttentionScaleKind::kPerFrequency));

}  // namespace
}  // namespace ropescale::search
