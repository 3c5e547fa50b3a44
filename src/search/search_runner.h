#pragma once
// The search loop: generation 0 from the seeds, then select / mutate / cross over for the
// requested number of generations, scoring the new candidates over all ranks, logging each
// completed generation (rank 0), and resuming from the last complete one.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/dist/communicator.h"
#include "src/model/backend.h"
#include "src/search/evolution.h"
#include "src/search/search_log.h"
#include "src/search/search_space.h"

namespace ropescale::search {

struct SearchRunSettings {
  SearchSpace space;
  EvolutionParams evolution;
  uint64_t seed = 0;
  int generations = 10;            // evolution steps after the initial population (generation 0)
  int stop_after_generation = -1;  // >= 0: stop right after logging that generation (tests)
  std::string log_path;            // empty: no log file
  bool resume = false;             // continue from log_path when it exists
  SearchLogHeader header;          // provenance, settings and documents for the log
};

// Loss sums of one candidate on one evaluation document.
using Scorer = std::function<LossSums(const Candidate& candidate, int document)>;

struct SearchOutcome {
  Member best;                   // lowest fitness of the last generation
  int64_t last_generation = -1;  // last complete generation
  bool stopped_early = false;    // stop_after_generation hit
  SearchLog log;                 // what the log file holds (timings are this rank's)
};

// Collective over the ranks of `comm`, which share the scoring (a single-process communicator:
// this rank scores everything, e.g. a serial reference); rank 0 writes the log. Every rank
// returns the same outcome (apart from timings).
SearchOutcome RunSearch(dist::Communicator& comm, const SearchRunSettings& settings,
                        const std::vector<Candidate>& seeds, const Scorer& scorer);

}  // namespace ropescale::search
