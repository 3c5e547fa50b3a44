#include "src/search/evolution.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"

namespace ropescale::search {
namespace {

// Stream purposes: part of every CounterRng stream id.
constexpr uint64_t kPurposeInitial = 1;
constexpr uint64_t kPurposeChild = 2;

// Uniform integer in [lo, hi].
int64_t UniformIn(CounterRng& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(hi - lo) + 1));
}

Candidate MutateOnce(const SearchSpace& space, const EvolutionParams& params,
                     const Candidate& parent, CounterRng& rng) {
  Candidate child = parent;
  const int n = space.num_factors;
  for (int i = 0; i < n; ++i) {
    if (rng.Uniform() >= params.mutation_probability) continue;
    // Neighbours: the left one already updated, the right one as it was.
    int64_t lo = i == 0 ? space.lower[i] : std::max(space.lower[i], child.grid[i - 1]);
    int64_t hi = i + 1 == n ? space.upper[i] : std::min(space.upper[i], child.grid[i + 1]);
    if (lo > hi) continue;
    child.grid[i] = UniformIn(rng, lo, hi);
  }
  if (space.n_hat_grid.size() > 1 && rng.Uniform() < params.mutation_probability) {
    child.n_hat = space.n_hat_grid[rng.Below(space.n_hat_grid.size())];
  }
  return child;
}

bool Usable(const SearchSpace& space, const Candidate& candidate, const History& history) {
  return space.IsValid(candidate) && !history.contains(candidate);
}

double SortKey(double fitness) { return std::isnan(fitness) ? INFINITY : fitness; }

}  // namespace

void ValidateEvolutionParams(const EvolutionParams& p) {
  Check(p.population >= 1, "--population must be >= 1 (got {})", p.population);
  Check(p.parents >= 1 && p.parents <= p.population, "--parents must be in 1..population (got {})",
        p.parents);
  Check(p.mutations >= 0 && p.crossovers >= 0, "--mutations/--crossovers must be >= 0");
  Check(p.mutations + p.crossovers >= 1, "--mutations + --crossovers must be >= 1");
  Check(p.max_crossover_tries >= 1 && p.max_mutation_tries >= 1, "tries must be >= 1");
}

std::optional<Candidate> Mutate(const SearchSpace& space, const EvolutionParams& params,
                                const Candidate& parent, const History& history, CounterRng& rng) {
  for (int attempt = 0; attempt < params.max_mutation_tries; ++attempt) {
    Candidate child = MutateOnce(space, params, parent, rng);
    if (Usable(space, child, history)) return child;
  }
  return std::nullopt;
}

std::optional<Candidate> Crossover(const SearchSpace& space, const EvolutionParams& params,
                                   const Candidate& parent1, const Candidate& parent2,
                                   const History& history, CounterRng& rng) {
  for (int attempt = 0; attempt < params.max_crossover_tries; ++attempt) {
    Candidate child = parent1;
    for (int i = 0; i < space.num_factors; ++i) {
      if (rng.Uniform() < params.crossover_probability && rng.Uniform() < params.crossover_take) {
        child.grid[i] = parent2.grid[i];
      }
    }
    if (rng.Uniform() < params.crossover_probability && rng.Uniform() < params.crossover_take) {
      child.n_hat = parent2.n_hat;
    }
    if (Usable(space, child, history)) return child;
  }
  return Mutate(space, params, parent1, history, rng);
}

std::vector<Member> InitialPopulation(const SearchSpace& space, const EvolutionParams& params,
                                      const std::vector<Candidate>& seeds, uint64_t seed,
                                      History& history) {
  std::vector<Member> population;
  std::vector<Candidate> unique_seeds;
  for (const Candidate& s : seeds) {
    Check(space.IsValid(s), "search: an initial candidate is outside the search space");
    if (history.contains(s) || static_cast<int>(population.size()) >= params.population) continue;
    history.insert(s);
    unique_seeds.push_back(s);
    Member member;
    member.candidate = s;
    member.origin = Origin::kSeed;
    population.push_back(member);
  }
  Check(!unique_seeds.empty(), "search: no initial candidate");
  // Mutants: child j (counting from 0 across the whole population) mutates seed j % #seeds.
  for (int j = static_cast<int>(population.size()); j < params.population; ++j) {
    const int which = j % static_cast<int>(unique_seeds.size());
    const uint64_t stream = StreamId({kPurposeInitial, 0, static_cast<uint64_t>(j)});
    CounterRng rng(seed, stream);
    std::optional<Candidate> child = Mutate(space, params, unique_seeds[which], history, rng);
    if (!child) continue;  // space exhausted around this seed
    history.insert(*child);
    Member member;
    member.candidate = std::move(*child);
    member.origin = Origin::kMutation;
    member.parent1 = which;
    member.rng_stream = stream;
    member.rng_counter = rng.counter();
    population.push_back(std::move(member));
  }
  return population;
}

std::vector<Member> SelectParents(const std::vector<Member>& population,
                                  const EvolutionParams& params) {
  std::vector<Member> sorted = population;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Member& a, const Member& b) {
    return SortKey(a.fitness) < SortKey(b.fitness);
  });
  if (static_cast<int>(sorted.size()) > params.parents) sorted.resize(params.parents);
  return sorted;
}

std::vector<Member> NextGeneration(const SearchSpace& space, const EvolutionParams& params,
                                   const std::vector<Member>& parents, uint64_t seed,
                                   int generation, History& history) {
  Check(!parents.empty(), "search: no parents for generation {}", generation);
  std::vector<Member> next;
  for (const Member& parent : parents) {
    Member carried = parent;
    carried.origin = Origin::kParent;
    carried.evaluated_here = false;
    next.push_back(std::move(carried));
  }
  const int total = params.mutations + params.crossovers;
  for (int j = 0; j < total; ++j) {
    const uint64_t stream =
        StreamId({kPurposeChild, static_cast<uint64_t>(generation), static_cast<uint64_t>(j)});
    CounterRng rng(seed, stream);
    Member member;
    std::optional<Candidate> child;
    const auto pick = [&] { return static_cast<int32_t>(rng.Below(parents.size())); };
    if (j < params.mutations) {
      member.origin = Origin::kMutation;
      member.parent1 = pick();
      child = Mutate(space, params, parents[member.parent1].candidate, history, rng);
    } else {
      member.origin = Origin::kCrossover;
      member.parent1 = pick();
      member.parent2 = pick();
      child = Crossover(space, params, parents[member.parent1].candidate,
                        parents[member.parent2].candidate, history, rng);
    }
    if (!child) continue;
    history.insert(*child);
    member.candidate = std::move(*child);
    member.rng_stream = stream;
    member.rng_counter = rng.counter();
    next.push_back(std::move(member));
  }
  return next;
}

}  // namespace ropescale::search
