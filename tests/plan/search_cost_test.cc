// The search's cost as src/search counts it: checked by hand and against the number of
// forwards a real RunSearch asks its scorer for.
#include "src/plan/search_cost.h"

#include <gtest/gtest.h>

#include <vector>

#include "src/core/error.h"
#include "src/dist/communicator.h"
#include "src/search/search_runner.h"

namespace ropescale::plan {
namespace {

TEST(SearchCost, CountsAndWallTimeByHand) {
  // The README's main-job search: population 24, 8 generations of 12 children, 16 documents.
  const SearchShape shape{24, 12, 8, 16};
  const SearchCost one = EstimateSearchCost(shape, 1, 0.5);
  EXPECT_EQ(one.candidates, 24 + 8 * 12);
  EXPECT_EQ(one.forwards, 120 * 16);
  EXPECT_DOUBLE_EQ(one.candidate_s, 16 * 0.5);
  EXPECT_DOUBLE_EQ(one.wall_s, 1920 * 0.5);
  // 2 ranks: 384 tasks in 192 rounds, then 8 x 192 tasks in 96 rounds each.
  EXPECT_DOUBLE_EQ(EstimateSearchCost(shape, 2, 0.5).wall_s, (192 + 8 * 96) * 0.5);
  // 5 ranks: ceil(384 / 5) = 77, ceil(192 / 5) = 39.
  EXPECT_DOUBLE_EQ(EstimateSearchCost(shape, 5, 1.0).wall_s, 77 + 8 * 39);
  // More ranks than tasks: one round per generation.
  EXPECT_DOUBLE_EQ(EstimateSearchCost(shape, 1000, 1.0).wall_s, 9.0);
}

TEST(SearchCost, RefusesImpossibleShapes) {
  EXPECT_THROW(EstimateSearchCost({0, 1, 1, 1}, 1, 1.0), Error);
  EXPECT_THROW(EstimateSearchCost({4, 0, 1, 1}, 1, 1.0), Error);
  EXPECT_THROW(EstimateSearchCost({4, 2, -1, 1}, 1, 1.0), Error);
  EXPECT_THROW(EstimateSearchCost({4, 2, 1, 0}, 1, 1.0), Error);
  EXPECT_THROW(EstimateSearchCost({4, 2, 1, 1}, 0, 1.0), Error);
}

// The real search, with a scorer that counts its calls (one call = one forward of one
// document): the plan's count equals what RunSearch runs, when the space is large enough
// that no mutation gives up.
TEST(SearchCost, EqualsTheForwardsOfARealSearch) {
  search::SearchSpaceOptions space;
  space.num_factors = 16;
  space.scale = 8.0;
  space.grid_step = 0.01;
  space.n_hat_grid = {0};
  search::SearchRunSettings settings;
  settings.space = search::MakeSearchSpace(space);
  settings.evolution.population = 10;
  settings.evolution.parents = 5;
  settings.evolution.mutations = 3;
  settings.evolution.crossovers = 4;
  settings.seed = 5;
  settings.generations = 6;
  settings.header.settings_json = "{}";
  settings.header.model_hash = "fnv1a64:0";
  settings.header.documents.resize(3, {{1, 2}, {2, -1}, {1, 0}});
  int64_t calls = 0;
  const auto scorer = [&](const search::Candidate& c, int document) {
    ++calls;
    double loss = document;
    for (int i = 0; i < settings.space.num_factors; ++i) loss += settings.space.Factor(c.grid[i]);
    return LossSums{loss, 1.0};
  };
  const auto seeds =
      std::vector<search::Candidate>{settings.space.Snap(std::vector<double>(16, 8.0))};
  auto comm = dist::MakeSingleProcessCommunicator();
  search::RunSearch(*comm, settings, seeds, scorer);
  const SearchCost cost = EstimateSearchCost({10, 3 + 4, 6, 3}, 1, 1.0);
  EXPECT_EQ(calls, cost.forwards);
  EXPECT_DOUBLE_EQ(cost.wall_s, static_cast<double>(calls));
}

}  // namespace
}  // namespace ropescale::plan
