#include "src/search/search_space.h"

#include <gtest/gtest.h>

#include "src/core/error.h"

namespace ropescale::search {
namespace {

TEST(SearchSpace, LongRopeBoundsAreOneToMaxScale) {
  SearchSpaceOptions options;
  options.method = SearchMethod::kLongRope;
  options.num_factors = 8;
  options.scale = 8.0;
  const SearchSpace space = MakeSearchSpace(options);
  EXPECT_EQ(space.divisions, 100);
  EXPECT_DOUBLE_EQ(space.max_scale, 16.0);  // default 2 s
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(space.lower[i], 100);
    EXPECT_EQ(space.upper[i], 1600);
  }
}

TEST(SearchSpace, LongRope2SplitsAtTheCriticalIndex) {
  SearchSpaceOptions options;
  options.method = SearchMethod::kLongRope2;
  options.num_factors = 8;
  options.scale = 4.0;
  options.max_scale = 32.0;
  options.critical_index = 5;
  const SearchSpace space = MakeSearchSpace(options);
  for (int i = 0; i < 5; ++i) {
    EXPECT_DOUBLE_EQ(space.Factor(space.lower[i]), 1.0) << i;
    EXPECT_DOUBLE_EQ(space.Factor(space.upper[i]), 9.0) << i;  // s + 5
  }
  for (int i = 5; i < 8; ++i) {
    EXPECT_DOUBLE_EQ(space.Factor(space.lower[i]), 4.0) << i;
    EXPECT_DOUBLE_EQ(space.Factor(space.upper[i]), 32.0) << i;
  }
}

TEST(SearchSpace, SnapRoundsClampsAndMakesMonotone) {
  SearchSpaceOptions options;
  options.method = SearchMethod::kLongRope2;
  options.num_factors = 4;
  options.scale = 2.0;
  options.critical_index = 2;
  options.grid_step = 0.5;
  const SearchSpace space = MakeSearchSpace(options);  // below: [1, 4] (S_max 4), above: [2, 4]
  const Candidate c = space.Snap({0.2, 1.74, 1.2, 9.0});
  EXPECT_EQ(space.Factors(c), (std::vector<double>{1.0, 1.5, 2.0, 4.0}));
  EXPECT_TRUE(space.IsValid(c));
}

TEST(SearchSpace, IsValidRejectsNonMonotoneOutOfBoundsAndForeignNHat) {
  SearchSpaceOptions options;
  options.num_factors = 3;
  options.scale = 4.0;
  options.n_hat_grid = {0, 4};
  const SearchSpace space = MakeSearchSpace(options);
  EXPECT_TRUE(space.IsValid({{100, 200, 200}, 4}));
  EXPECT_FALSE(space.IsValid({{100, 300, 200}, 0}));  // not monotone
  EXPECT_FALSE(space.IsValid({{99, 200, 200}, 0}));   // below 1
  EXPECT_FALSE(space.IsValid({{100, 200, 801}, 0}));  // above S_max = 8
  EXPECT_FALSE(space.IsValid({{100, 200, 200}, 2}));  // n_hat not on the grid
  EXPECT_FALSE(space.IsValid({{100, 200}, 0}));       // wrong length
}

TEST(SearchSpace, RejectsBadOptions) {
  SearchSpaceOptions options;
  options.num_factors = 4;
  options.scale = 4.0;
  options.grid_step = 0.3;  // 1 / 0.3 is not an integer
  EXPECT_THROW(MakeSearchSpace(options), Error);
  options.grid_step = 0.01;
  options.method = SearchMethod::kLongRope2;  // no critical index
  EXPECT_THROW(MakeSearchSpace(options), Error);
  options.critical_index = 2;
  options.max_scale = 3.0;  // below s
  EXPECT_THROW(MakeSearchSpace(options), Error);
  EXPECT_THROW(ParseSearchMethod("yarn"), Error);
}

}  // namespace
}  // namespace ropescale::search
