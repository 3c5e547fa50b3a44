// Runs under mpiexec -n 1, 2 and 4: short-window recovery (the short factors of an extended
// model, scored on documents of the original window) through the distributed search must give
// bit-identical results to a serial reference that every rank computes alone.
#include <gtest/gtest.h>

#include "src/dist/world.h"
#include "src/eval/perplexity.h"
#include "src/search/search_runner.h"
#include "src/search/short_recovery.h"
#include "tests/search/mpi/search_mpi_test_util.h"
#include "tests/search/search_test_model.h"
#include "tests/support/tiny_model.h"

namespace ropescale::search {
namespace {

TEST(ShortRecoverySearch, DistributedEqualsSerialOnEveryRank) {
  const auto world = dist::WorldCommunicator();
  ModelConfig config = SearchTestConfig();  // window 16, 8 frequencies
  config.rope.kind = RopeKind::kLongRope;
  config.rope.original_max_position_embeddings = 16;
  config.rope.max_position_embeddings = 64;
  config.rope.long_factor = {1.0, 1.3, 1.8, 2.4, 3.0, 3.6, 4.0, 4.0};
  config.rope.short_factor.assign(8, 4.0);  // deliberately heavy
  auto backend = testing::TinyBackend(config, 11, 1);

  SearchRunSettings settings;
  settings.space = ShortFactorSpace(config.rope, 0.0, 0.1);
  settings.evolution.population = 6;
  settings.evolution.parents = 3;
  settings.evolution.mutations = 2;
  settings.evolution.crossovers = 1;
  settings.seed = 7;
  settings.generations = 3;
  settings.header.settings_json = R"({"factors":"short"})";
  settings.header.documents = RandomDocuments(3, 16, 15);  // every prediction of the window
  const auto scorer = [&](const Candidate& c, int d) {
    return ScoreDocument(*backend, settings.header.documents[d],
                         ShortCandidateRope(settings.space, config.rope, c));
  };
  const std::vector<Candidate> seeds = ShortFactorSeeds(settings.space, config.rope);

  const SearchOutcome outcome =
      ExpectDistributedEqualsSerial(*world, settings, seeds, scorer, "ropescale-mpi-short");
  // The short factors were searched: generation 0 starts with the seeds, 3 generations follow.
  ASSERT_EQ(outcome.log.generations.size(), 4u);
  EXPECT_EQ(outcome.log.generations[0].members[0].candidate, seeds[0]);
}

}  // namespace
}  // namespace ropescale::search
