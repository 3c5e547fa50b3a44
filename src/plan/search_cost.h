#pragma once
// How many forwards a factor search runs and how long it takes on K ranks, counted as
// src/search does it (src/search/README.md, "The search" and "Distribution"): generation 0
// scores `population` candidates, each later generation scores its new children
// (mutations + crossovers; parents are carried over with their fitness), every candidate on
// `documents` documents of T tokens, one forward each; a generation's candidates x documents
// are tasks the ranks take dynamically, and the next generation waits for all of them.
#include <cstdint>

namespace ropescale::plan {

struct SearchShape {
  int population = 64;   // candidates scored in generation 0
  int children = 32;     // new candidates scored in each generation g >= 1
  int generations = 40;  // generations after the initial one
  int documents = 8;     // forwards per candidate
};

struct SearchCost {
  int64_t candidates = 0;  // population + generations x children
  int64_t forwards = 0;    // candidates x documents
  double candidate_s = 0;  // documents x forward_s: one candidate on one rank
  // Sum over generations of ceil(new candidates x documents / ranks) x forward_s. An upper
  // bound: a mutation that finds no unseen valid child is skipped and costs nothing.
  double wall_s = 0;
};

// Throws Error naming the field when a count is out of range.
SearchCost EstimateSearchCost(const SearchShape& shape, int ranks, double forward_s);

}  // namespace ropescale::plan
