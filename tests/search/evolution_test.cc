#include "src/search/evolution.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ropescale::search {
namespace {

SearchSpace Space(SearchMethod method) {
  SearchSpaceOptions options;
  options.method = method;
  options.num_factors = 16;
  options.scale = 8.0;
  options.critical_index = method == SearchMethod::kLongRope2 ? 9 : -1;
  options.grid_step = 0.1;
  options.n_hat_grid = method == SearchMethod::kLongRope ? std::vector<int>{0, 1, 2, 4, 8, 16, 32}
                                                         : std::vector<int>{0};
  return MakeSearchSpace(options);
}

// A valid random candidate: sorted uniform draws inside each bound.
Candidate RandomValid(const SearchSpace& space, CounterRng& rng) {
  Candidate c;
  int64_t running = 0;
  for (int i = 0; i < space.num_factors; ++i) {
    const int64_t lo = std::max(space.lower[i], running);
    const int64_t hi = space.upper[i];
    const int64_t span = std::min<int64_t>(hi - lo, 20);
    running = lo + static_cast<int64_t>(rng.Below(span + 1));
    c.grid.push_back(running);
  }
  c.n_hat = space.n_hat_grid[rng.Below(space.n_hat_grid.size())];
  return c;
}

class EvolutionConstraints : public ::testing::TestWithParam<SearchMethod> {};

TEST_P(EvolutionConstraints, MutationAndCrossoverAlwaysStayValidAndNew) {
  const SearchSpace space = Space(GetParam());
  const EvolutionParams params;
  History history;
  CounterRng pick(7, 1);
  int made = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const Candidate a = RandomValid(space, pick);
    const Candidate b = RandomValid(space, pick);
    ASSERT_TRUE(space.IsValid(a));
    history.insert(a);
    history.insert(b);
    CounterRng rng(11, static_cast<uint64_t>(trial));
    const auto mutant = Mutate(space, params, a, history, rng);
    ASSERT_TRUE(mutant.has_value());
    EXPECT_TRUE(space.IsValid(*mutant));
    EXPECT_FALSE(history.contains(*mutant));
    history.insert(*mutant);
    const auto child = Crossover(space, params, a, b, history, rng);
    ASSERT_TRUE(child.has_value());
    EXPECT_TRUE(space.IsValid(*child));
    EXPECT_FALSE(history.contains(*child));
    history.insert(*child);
    made += 2;
  }
  EXPECT_EQ(made, 6000);
}

TEST_P(EvolutionConstraints, LongRope2ChildrenRespectTheCriticalSplit) {
  const SearchSpace space = Space(GetParam());
  EvolutionParams params;
  params.population = 40;
  params.parents = 10;
  History history;
  std::vector<Candidate> seeds = {space.Snap(std::vector<double>(16, 8.0))};
  std::vector<Member> population = InitialPopulation(space, params, seeds, 5, history);
  for (int g = 1; g <= 20; ++g) {
    for (size_t i = 0; i < population.size(); ++i) population[i].fitness = std::sin(i * 1.7 + g);
    population = NextGeneration(space, params, SelectParents(population, params), 5, g, history);
    for (const Member& m : population) {
      ASSERT_TRUE(space.IsValid(m.candidate));
      for (int i = 0; i < space.num_factors; ++i) {
        const double f = space.Factor(m.candidate.grid[i]);
        if (i > 0) EXPECT_GE(m.candidate.grid[i], m.candidate.grid[i - 1]);
        if (space.method == SearchMethod::kLongRope2 && i < 9) EXPECT_LE(f, 13.0 + 1e-12);
        if (space.method == SearchMethod::kLongRope2 && i >= 9) EXPECT_GE(f, 8.0 - 1e-12);
        EXPECT_GE(f, 1.0 - 1e-12);
        EXPECT_LE(f, 16.0 + 1e-12);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BothMethods, EvolutionConstraints,
                         ::testing::Values(SearchMethod::kLongRope, SearchMethod::kLongRope2));

TEST(Evolution, GenerationsNeverRepeatACandidate) {
  const SearchSpace space = Space(SearchMethod::kLongRope);
  EvolutionParams params;
  params.population = 16;
  params.parents = 8;
  params.mutations = 4;
  params.crossovers = 4;
  History history;
  std::vector<Member> population =
      InitialPopulation(space, params, {space.Snap(std::vector<double>(16, 2.0))}, 3, history);
  std::set<Candidate> evaluated;
  for (const Member& m : population) EXPECT_TRUE(evaluated.insert(m.candidate).second);
  for (int g = 1; g <= 30; ++g) {
    for (size_t i = 0; i < population.size(); ++i) population[i].fitness = std::cos(3.1 * i + g);
    population = NextGeneration(space, params, SelectParents(population, params), 3, g, history);
    for (const Member& m : population) {
      if (m.evaluated_here)
        EXPECT_TRUE(evaluated.insert(m.candidate).second);
      else
        EXPECT_TRUE(evaluated.contains(m.candidate));
    }
  }
  EXPECT_EQ(evaluated.size(), history.size());
}

TEST(Evolution, InitialPopulationKeepsDistinctSeedsFirst) {
  const SearchSpace space = Space(SearchMethod::kLongRope);
  EvolutionParams params;
  params.population = 10;
  History history;
  const Candidate a = space.Snap(std::vector<double>(16, 8.0));
  const Candidate b = space.Snap(std::vector<double>(16, 1.0));
  const auto population = InitialPopulation(space, params, {a, b, a}, 1, history);
  ASSERT_EQ(population.size(), 10u);
  EXPECT_EQ(population[0].candidate, a);
  EXPECT_EQ(population[1].candidate, b);
  EXPECT_EQ(population[0].origin, Origin::kSeed);
  for (size_t i = 2; i < population.size(); ++i) EXPECT_EQ(population[i].origin, Origin::kMutation);
  EXPECT_EQ(history.size(), 10u);
}

TEST(Evolution, SameSeedSameChildrenOtherSeedOtherChildren) {
  const SearchSpace space = Space(SearchMethod::kLongRope2);
  EvolutionParams params;
  params.population = 12;
  const Candidate seed = space.Snap(std::vector<double>(16, 9.0));
  History h1, h2, h3;
  const auto p1 = InitialPopulation(space, params, {seed}, 42, h1);
  const auto p2 = InitialPopulation(space, params, {seed}, 42, h2);
  const auto p3 = InitialPopulation(space, params, {seed}, 43, h3);
  ASSERT_EQ(p1.size(), p2.size());
  bool any_difference = false;
  for (size_t i = 0; i < p1.size(); ++i) {
    EXPECT_EQ(p1[i].candidate, p2[i].candidate);
    if (i < p3.size() && !(p1[i].candidate == p3[i].candidate)) any_difference = true;
  }
  EXPECT_TRUE(any_difference);
}

TEST(Evolution, SelectParentsSortsByFitnessAndPutsNanLast) {
  EvolutionParams params;
  params.population = 4;
  params.parents = 3;
  std::vector<Member> population(4);
  const double fitness[] = {2.0, NAN, 1.0, 2.0};
  for (int i = 0; i < 4; ++i) {
    population[i].candidate.grid = {i};
    population[i].fitness = fitness[i];
  }
  const auto parents = SelectParents(population, params);
  ASSERT_EQ(parents.size(), 3u);
  EXPECT_EQ(parents[0].candidate.grid[0], 2);
  EXPECT_EQ(parents[1].candidate.grid[0], 0);  // tie: the earlier member first
  EXPECT_EQ(parents[2].candidate.grid[0], 3);
}

TEST(Evolution, MutationGivesUpWhenTheSpaceIsExhausted) {
  SearchSpaceOptions options;
  options.num_factors = 1;
  options.scale = 1.0;
  options.max_scale = 1.0;  // a single point
  const SearchSpace space = MakeSearchSpace(options);
  EvolutionParams params;
  params.max_mutation_tries = 50;
  const Candidate only = space.Snap({1.0});
  History history{only};
  CounterRng rng(1, 1);
  EXPECT_FALSE(Mutate(space, params, only, history, rng).has_value());
}

}  // namespace
}  // namespace ropescale::search
