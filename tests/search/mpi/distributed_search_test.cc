// Runs under mpiexec -n 1, 2 and 4: the distributed search must give bit-identical results to
// a serial reference that every rank computes alone.
#include <gtest/gtest.h>

#include <cmath>

#include "src/dist/world.h"
#include "src/eval/perplexity.h"
#include "src/model/init_parameters.h"
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

}  // namespace
}  // namespace ropescale::search
