#pragma once
// `ropescale search` end to end: read the model, build the search space, the seeds and the
// evaluation documents, run the distributed search (singleton or under mpirun/srun), write
// --out (HF rope_scaling JSON), --out-model (checkpoint with the winning RoPE) and the log,
// and optionally score the winner against the baselines on fresh held-out documents.
#include <cstdint>
#include <optional>
#include <string>

#include "src/dist/communicator.h"
#include "src/eval/evaluation_documents.h"
#include "src/search/evolution.h"

namespace ropescale::search {

struct SearchCommandOptions {
  std::string model;                // checkpoint (.h5) or HF folder
  std::string method = "longrope";  // longrope | longrope2
  int target_len = 0;               // 0 = 8 x the model's original window
  uint64_t seed = 0;
  int population = 64;
  int parents = 0;     // 0 = population / 2
  int mutations = 0;   // 0 = population / 4
  int crossovers = 0;  // 0 = population - parents - mutations
  int generations = 40;
  std::string out;        // factors.json
  std::string out_model;  // optional checkpoint copy with the winning RoPE
  std::string log;        // search.h5 (optional)
  bool resume = false;
  std::string factors = "long";  // long | short (short-window recovery on an extended model)
  std::string fitness;           // needle | ppl; empty = needle (ppl with factors = short)
  std::string corpus = "data/corpus/heldout";
  int documents = 8;
  std::string eval_documents;  // an evaluation-document file: its sets at the target length
  double max_scale = 0.0;      // 0 = 2 s
  double grid_step = 0.01;
  int critical_index = -1;                     // longrope2; -1 = the theoretical one
  std::string below_critical = "search";       // longrope2: search | ntk (see BelowCritical)
  std::string n_hat_grid = "0,1,2,4,8,16,32";  // longrope only
  std::optional<double> attention_factor;      // empty = sqrt(1 + ln s / ln L)
  std::string init_factors;                    // CSV/JSON: the only seed
  // "factors" (the rescale-factor search) | "attention-scale" (LongRoPE2's second search: the
  // factors of init_factors fixed, the attention scale searched; attention_scale.h).
  std::string stage = "factors";
  std::string attention_scale = "scalar";  // scalar | per-frequency
  double attention_scale_min = 0.5;        // multipliers of the start attention scale
  double attention_scale_max = 2.0;
  double init_scale = 0.0;  // > 0: init factors searched for this s, rescaled linearly to ours
  std::string backend = "cpu";
  int threads = 1;  // per rank
  int device = 0;   // CUDA device; -1 = the rank's index on its node (one GPU per rank)
  std::string evaluate_factors;    // no search: score these factors (CSV/JSON) and the baselines
  int compare_documents = 0;       // > 0: score winner and baselines on that many fresh documents
  int stop_after_generation = -1;  // hidden: stop as if killed after that generation
  int inject_failure_rank = -1;    // hidden: this rank throws in its first evaluation (tests)
};

// The search's sizes (--population, --parents, --mutations, --crossovers, --generations,
// --documents, --compare-documents) against their ranges; Error naming the option otherwise.
void CheckSearchSizes(const SearchCommandOptions& options);

// The evolution the options ask for: parents 0 = population / 2, mutations 0 = population / 4,
// crossovers 0 = the rest (at least one child per generation). Error when it cannot work.
EvolutionParams EvolutionFromOptions(const SearchCommandOptions& options);

// --fitness, or by default needle (ppl for --factors short: short-window recovery).
FitnessKind SearchFitnessKind(const SearchCommandOptions& options);

// Collective over `comm`, whose ranks share the scoring; prints the result as JSON on rank 0's
// stdout and rank 0 writes the files. Errors propagate.
void RunSearchCommand(dist::Communicator& comm, const SearchCommandOptions& options);

// The whole job: starts MPI when launched by mpirun/srun (dist::JobSession) and runs the command
// over all processes. Errors: with one rank an Error propagates; with more, the failing rank
// prints one line and aborts the job.
void RunSearchCommand(const SearchCommandOptions& options);

}  // namespace ropescale::search
