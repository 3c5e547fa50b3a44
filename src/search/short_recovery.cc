#include "src/search/short_recovery.h"

#include <algorithm>

#include "src/core/error.h"
#include "src/eval/baseline_ropes.h"

namespace ropescale::search {

std::string_view SearchedFactorsName(SearchedFactors factors) {
  return factors == SearchedFactors::kShort ? "short" : "long";
}

SearchedFactors ParseSearchedFactors(std::string_view name) {
  if (name == "long") return SearchedFactors::kLong;
  if (name == "short") return SearchedFactors::kShort;
  Fail("--factors: unknown factor set '{}' (long|short)", name);
}

void CheckShortRecoveryModel(const RopeSpec& model_rope, const std::string& model_path) {
  Check(IsLongRope(model_rope.kind),
        "{}: short-window recovery needs an extended model (RoPE kind longrope or longrope2, "
        "e.g. a search's --out-model or a model fine-tuned on it); this one's is '{}'",
        model_path, RopeKindName(model_rope.kind));
  Check(!model_rope.long_factor.empty(), "{}: the longrope RoPE has no long_factor", model_path);
  Check(PretrainingContext(model_rope) > 0,
        "{}: the longrope RoPE has no original_max_position_embeddings", model_path);
  Check(model_rope.n_hat == 0,
        "{}: n_hat = {} has no HF spelling, so recovered short factors could not be exported; "
        "recover those of a model searched with n_hat = 0",
        model_path, model_rope.n_hat);
}

double DefaultShortMaxScale(const RopeSpec& model_rope) {
  double largest = model_rope.scale();
  for (double f : model_rope.long_factor) largest = std::max(largest, f);
  return std::max(largest, 1.0);
}

SearchSpace ShortFactorSpace(const RopeSpec& model_rope, double max_scale, double grid_step) {
  SearchSpaceOptions options;
  options.method = SearchMethod::kLongRope;  // bounds [1, S_max] for every factor
  options.num_factors = model_rope.rotary_dim() / 2;
  options.scale = 1.0;
  options.max_scale = max_scale > 0.0 ? max_scale : DefaultShortMaxScale(model_rope);
  options.grid_step = grid_step;
  options.n_hat_grid = {0};
  return MakeSearchSpace(options);
}

std::vector<Candidate> ShortFactorSeeds(const SearchSpace& space, const RopeSpec& model_rope) {
  const std::vector<double> ones(space.num_factors, 1.0);
  std::vector<std::vector<double>> sources = {ones};
  if (!model_rope.short_factor.empty()) sources.push_back(model_rope.short_factor);
  sources.push_back(model_rope.long_factor);
  std::vector<Candidate> seeds;
  for (const std::vector<double>& factors : sources) {
    Candidate c = space.Snap(factors, 0);
    if (std::find(seeds.begin(), seeds.end(), c) == seeds.end()) seeds.push_back(std::move(c));
  }
  return seeds;
}

RopeSpec ShortCandidateRope(const SearchSpace& space, const RopeSpec& model_rope,
                            const Candidate& candidate) {
  RopeSpec rope = model_rope;
  rope.short_factor = space.Factors(candidate);
  return rope;
}

}  // namespace ropescale::search
