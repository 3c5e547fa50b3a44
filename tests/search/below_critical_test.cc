// LongRoPE2's two rules for the factors below the critical index c, over many generations of
// the evolution: `search` keeps each of them inside [1, s + 5]; `ntk` (the authors' ntk_left)
// derives them as lambda_c^(i/c), exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "src/core/error.h"
#include "src/search/evolution.h"
#include "src/search/search_space.h"

namespace ropescale::search {
namespace {

constexpr int kFactors = 16, kCritical = 9;

SearchSpace Space(BelowCritical rule) {
  SearchSpaceOptions options;
  options.method = SearchMethod::kLongRope2;
  options.num_factors = kFactors;
  options.scale = 8.0;
  options.max_scale = 20.0;  // above s + 5 = 13, so the rule's own bound is what holds
  options.critical_index = kCritical;
  options.grid_step = 0.1;
  options.below_critical = rule;
  return MakeSearchSpace(options);
}

// Every member of 20 generations, from a seed below which the factors rise.
std::vector<Member> Evolve(const SearchSpace& space) {
  EvolutionParams params;
  params.population = 40;
  params.parents = 10;
  History history;
  std::vector<double> seed(kFactors, 8.0);
  for (int i = 0; i < kCritical; ++i) seed[i] = 1.0 + i * 0.5;
  std::vector<Member> population = InitialPopulation(space, params, {space.Snap(seed)}, 3, history);
  std::vector<Member> all = population;
  for (int g = 1; g <= 20; ++g) {
    for (size_t i = 0; i < population.size(); ++i) population[i].fitness = std::cos(i * 1.3 + g);
    population = NextGeneration(space, params, SelectParents(population, params), 3, g, history);
    all.insert(all.end(), population.begin(), population.end());
  }
  return all;
}

TEST(BelowCritical, NamesParseBack) {
  for (BelowCritical rule : {BelowCritical::kSearch, BelowCritical::kNtk}) {
    EXPECT_EQ(ParseBelowCritical(BelowCriticalName(rule)), rule);
  }
  EXPECT_THROW(ParseBelowCritical("ntk_left"), Error);
}

TEST(BelowCritical, SearchRuleKeepsThemInOneToSPlusFive) {
  const SearchSpace space = Space(BelowCritical::kSearch);
  int varied = 0;
  for (const Member& m : Evolve(space)) {
    ASSERT_TRUE(space.IsValid(m.candidate));
    const std::vector<double> f = space.Factors(m.candidate);
    for (int i = 0; i < kFactors; ++i) {
      if (i > 0) EXPECT_GE(f[i], f[i - 1]);
      if (i < kCritical) {
        EXPECT_GE(f[i], 1.0);
        EXPECT_LE(f[i], 13.0 + 1e-12) << "factor " << i << " above s + 5";
        varied += f[i] != 1.0 + i * 0.5;
      } else {
        EXPECT_GE(f[i], 8.0 - 1e-12);
        EXPECT_LE(f[i], 20.0 + 1e-12);
      }
    }
  }
  EXPECT_GT(varied, 0) << "the factors below the critical index were never searched";
}

TEST(BelowCritical, NtkRuleFollowsTheFormulaExactly) {
  const SearchSpace space = Space(BelowCritical::kNtk);
  // Below the critical index nothing is searched: one grid value, 1.
  for (int i = 0; i < kCritical; ++i) {
    EXPECT_EQ(space.lower[i], space.divisions);
    EXPECT_EQ(space.upper[i], space.divisions);
  }
  std::set<double> tops;
  for (const Member& m : Evolve(space)) {
    ASSERT_TRUE(space.IsValid(m.candidate));
    const std::vector<double> f = space.Factors(m.candidate);
    const double top = space.Factor(m.candidate.grid[kCritical]);
    tops.insert(top);
    EXPECT_EQ(f[kCritical], top);
    for (int i = 0; i < kCritical; ++i) {
      EXPECT_EQ(f[i], std::pow(top, static_cast<double>(i) / kCritical)) << "factor " << i;
    }
    EXPECT_EQ(f[0], 1.0);
    for (int i = 1; i < kFactors; ++i) EXPECT_GE(f[i], f[i - 1]) << "not monotone at " << i;
  }
  EXPECT_GT(tops.size(), 5u) << "lambda_c was never searched";
}

TEST(BelowCritical, NtkRuleNeedsLongRope2AndASearchedFactor) {
  SearchSpaceOptions options;
  options.method = SearchMethod::kLongRope;
  options.num_factors = 4;
  options.scale = 2.0;
  options.below_critical = BelowCritical::kNtk;
  EXPECT_THROW(MakeSearchSpace(options), Error);
  options.method = SearchMethod::kLongRope2;
  options.critical_index = 4;  // every factor below it: nothing left to search
  EXPECT_THROW(MakeSearchSpace(options), Error);
  options.critical_index = 3;
  EXPECT_NO_THROW(MakeSearchSpace(options));
}

}  // namespace
}  // namespace ropescale::search
