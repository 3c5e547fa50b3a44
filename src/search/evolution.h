#pragma once
// The evolution of LongRoPE's search (official genetic_base.py / dim_mono.py, rewritten):
// initial population from seed factors plus mutants, mutation, crossover, selection of the
// best parents, and a history so no candidate is evaluated twice. Every random draw comes
// from a CounterRng keyed by (seed, purpose, generation, child index), so each rank computes
// the same population no matter how the evaluation is distributed.
#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "src/core/rng.h"
#include "src/search/search_space.h"

namespace ropescale::search {

struct EvolutionParams {
  int population = 64;  // size of generation 0
  int parents = 32;     // kept each generation
  int mutations = 16;   // new mutants each generation
  int crossovers = 16;  // new crossover children each generation
  double mutation_probability = 0.3;
  double crossover_probability = 0.3;  // a dim is a crossover candidate ...
  double crossover_take = 0.5;         // ... and then takes parent 2's value with this chance
  int max_crossover_tries = 20;
  int max_mutation_tries = 1000;  // gives up (no child) when the space is nearly exhausted
};
// Throws Error naming the option when the numbers cannot work.
void ValidateEvolutionParams(const EvolutionParams& params);

// How a member of a generation came to be (stored in the log).
enum class Origin : int32_t { kSeed = 0, kMutation = 1, kCrossover = 2, kParent = 3 };

struct Member {
  Candidate candidate;
  Origin origin = Origin::kSeed;
  int32_t parent1 = -1;  // index into the previous generation's parent list
  int32_t parent2 = -1;
  uint64_t rng_stream = 0;     // CounterRng stream that made it ...
  uint64_t rng_counter = 0;    // ... and the draws it used
  bool evaluated_here = true;  // false for parents carried over (fitness known)
  double fitness = 0.0;
  // Loss sums of each evaluation document (filled by the fitness, in document order).
  std::vector<double> document_loss;
  std::vector<double> document_weight;
};

using History = std::set<Candidate>;

// Redraws each dim with the mutation probability uniformly on the grid between its
// neighbours' values (and its bounds); n_hat likewise from its grid. Repeats until the
// child is valid and not in `history`; nullopt after max_mutation_tries.
std::optional<Candidate> Mutate(const SearchSpace& space, const EvolutionParams& params,
                                const Candidate& parent, const History& history, CounterRng& rng);

// Starts from parent 1; each dim (and n_hat) is with crossover_probability a candidate to take
// parent 2's value with probability crossover_take. Up to max_crossover_tries, then falls
// back to Mutate(parent 1).
std::optional<Candidate> Crossover(const SearchSpace& space, const EvolutionParams& params,
                                   const Candidate& parent1, const Candidate& parent2,
                                   const History& history, CounterRng& rng);

// Generation 0: the (valid, distinct) seeds, then mutants of the seeds in turn up to
// params.population. Adds every member to `history`.
std::vector<Member> InitialPopulation(const SearchSpace& space, const EvolutionParams& params,
                                      const std::vector<Candidate>& seeds, uint64_t seed,
                                      History& history);

// The best `params.parents` members (lowest fitness; NaN counts as worst; ties keep the
// earlier member), best first.
std::vector<Member> SelectParents(const std::vector<Member>& population,
                                  const EvolutionParams& params);

// Generation g >= 1: the parents (carried over, not re-evaluated) followed by
// params.mutations mutants and params.crossovers crossover children, all new. Adds the
// children to `history`.
std::vector<Member> NextGeneration(const SearchSpace& space, const EvolutionParams& params,
                                   const std::vector<Member>& parents, uint64_t seed,
                                   int generation, History& history);

}  // namespace ropescale::search
