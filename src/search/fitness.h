#pragma once
// Fitness of a candidate: the model's loss on the evaluation documents with the candidate's
// RoPE (each document scored by src/eval's ScoreDocument). Losses are kept as
// per-(candidate, document) sums and reduced in document order, so the value never depends on
// which rank scored which document.
#include <optional>
#include <vector>

#include "src/model/backend.h"
#include "src/rope/rope_spec.h"
#include "src/search/search_space.h"

namespace ropescale::search {

// What a candidate turns into: kind longrope (or longrope2 with the critical index), long
// factors lambda, short factors all ones, original window L (PretrainingContext of model_rope),
// max = target_len, factor = target_len / L, the candidate's n_hat, and attention_factor when
// given (else the default sqrt(1 + ln s / ln L)).
struct CandidateRopeOptions {
  RopeSpec model_rope;
  int target_len = 0;
  std::optional<double> attention_factor;
};
RopeSpec CandidateRope(const SearchSpace& space, const CandidateRopeOptions& options,
                       const Candidate& candidate);

// Mean loss over all documents: sum of weighted losses / sum of weights, summed in order.
double FitnessFromSums(const LossSums* sums, int count);

}  // namespace ropescale::search
