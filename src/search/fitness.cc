#include "src/search/fitness.h"

#include <cmath>

#include "src/core/error.h"
#include "src/eval/baseline_ropes.h"

namespace ropescale::search {

RopeSpec CandidateRope(const SearchSpace& space, const CandidateRopeOptions& options,
                       const Candidate& candidate) {
  const int window = PretrainingContext(options.model_rope);
  Check(window > 0, "search: the model's RoPE has no max_position_embeddings");
  RopeSpec rope = options.model_rope;
  rope.kind = space.method == SearchMethod::kLongRope2 ? RopeKind::kLongRope2 : RopeKind::kLongRope;
  rope.original_max_position_embeddings = window;
  rope.max_position_embeddings = options.target_len;
  rope.factor = static_cast<double>(options.target_len) / window;
  rope.long_factor = space.Factors(candidate);
  rope.short_factor.assign(rope.long_factor.size(), 1.0);
  rope.n_hat = candidate.n_hat;
  rope.critical_index = space.method == SearchMethod::kLongRope2 ? space.critical_index : -1;
  rope.attention_factor = options.attention_factor;
  return rope;
}

double FitnessFromSums(const LossSums* sums, int count) {
  double loss = 0.0, weight = 0.0;
  for (int i = 0; i < count; ++i) {
    loss += sums[i].weighted_loss;
    weight += sums[i].weight;
  }
  return weight > 0.0 ? loss / weight : NAN;
}

}  // namespace ropescale::search
