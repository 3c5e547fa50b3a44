#include "src/search/seed_factors.h"

#include <algorithm>

#include "src/core/error.h"
#include "src/eval/baseline_ropes.h"
#include "src/rope/rope_frequencies.h"

namespace ropescale::search {

std::vector<double> BaselineFactors(const RopeSpec& model_rope, RopeKind kind, int target_len) {
  const int window = PretrainingContext(model_rope);
  Check(window > 0, "search: the model's RoPE has no max_position_embeddings");
  RopeSpec original = model_rope;
  original.kind = RopeKind::kDefault;
  RopeSpec extended = original;
  extended.kind = kind;
  extended.factor = static_cast<double>(target_len) / window;
  extended.original_max_position_embeddings = window;
  extended.max_position_embeddings = target_len;
  const RopeFrequencies base = ComputeRopeFrequencies(original, target_len);
  const RopeFrequencies scaled = ComputeRopeFrequencies(extended, target_len);
  std::vector<double> factors(base.inv_freq.size());
  for (size_t i = 0; i < factors.size(); ++i) factors[i] = base.inv_freq[i] / scaled.inv_freq[i];
  return factors;
}

std::vector<Candidate> SeedCandidates(const SearchSpace& space, const RopeSpec& model_rope,
                                      int target_len) {
  const std::vector<RopeKind> kinds =
      space.method == SearchMethod::kLongRope2
          ? std::vector<RopeKind>{RopeKind::kNtk, RopeKind::kYarn, RopeKind::kLinear}
          : std::vector<RopeKind>{RopeKind::kLinear, RopeKind::kNtk, RopeKind::kYarn};
  std::vector<Candidate> seeds;
  for (RopeKind kind : kinds) {
    Candidate c = space.Snap(BaselineFactors(model_rope, kind, target_len), 0);
    if (std::find(seeds.begin(), seeds.end(), c) == seeds.end()) seeds.push_back(std::move(c));
  }
  return seeds;
}

}  // namespace ropescale::search
