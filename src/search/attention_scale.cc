#include "src/search/attention_scale.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"

namespace ropescale::search {

std::string_view AttentionScaleKindName(AttentionScaleKind kind) {
  return kind == AttentionScaleKind::kPerFrequency ? "per-frequency" : "scalar";
}

AttentionScaleKind ParseAttentionScaleKind(std::string_view name) {
  if (name == "scalar") return AttentionScaleKind::kScalar;
  if (name == "per-frequency") return AttentionScaleKind::kPerFrequency;
  Fail("--attention-scale: unknown kind '{}' (scalar|per-frequency)", name);
}

SearchSpace MakeAttentionScaleSpace(const AttentionScaleSpaceOptions& options) {
  Check(options.num_frequencies > 0, "search: the model has no rotary frequencies");
  Check(std::isfinite(options.min_multiplier) && options.min_multiplier > 0.0 &&
            options.min_multiplier <= 1.0,
        "--attention-scale-min: {} is outside (0, 1] (the range must contain 1, the start)",
        options.min_multiplier);
  Check(std::isfinite(options.max_multiplier) && options.max_multiplier >= 1.0,
        "--attention-scale-max: {} is below 1 (the range must contain 1, the start)",
        options.max_multiplier);
  // The grid and its checks are the factor space's: one factor per multiplier, upper bound
  // max_multiplier; only the lower bound differs (below 1 allowed).
  SearchSpaceOptions grid;
  grid.method = SearchMethod::kLongRope;
  grid.num_factors = options.kind == AttentionScaleKind::kScalar ? 1 : options.num_frequencies;
  grid.scale = 1.0;
  grid.max_scale = options.max_multiplier;
  grid.grid_step = options.grid_step;
  SearchSpace space = MakeSearchSpace(grid);
  const int64_t lower =
      static_cast<int64_t>(std::ceil(options.min_multiplier * space.divisions - 1e-9));
  space.lower.assign(space.num_factors, lower);
  space.scale = options.min_multiplier;
  Check(lower <= space.divisions && space.divisions <= space.upper.front(),
        "--attention-scale-min/max: [{}, {}] holds no grid point at 1 (--grid-step {})",
        options.min_multiplier, options.max_multiplier, options.grid_step);
  return space;
}

RopeSpec AttentionScaleRope(const SearchSpace& space, AttentionScaleKind kind,
                            const RopeSpec& fixed, const Candidate& candidate) {
  Check(fixed.attention_factor.has_value(),
        "search: the fixed RoPE of the attention-scale search has no attention_factor");
  RopeSpec rope = fixed;
  std::vector<double> multipliers = space.Factors(candidate);
  if (kind == AttentionScaleKind::kScalar) {
    rope.attention_factor = *fixed.attention_factor * multipliers.front();
  } else {
    rope.frequency_scale = std::move(multipliers);
  }
  return rope;
}

std::vector<Candidate> AttentionScaleSeeds(const SearchSpace& space, AttentionScaleKind kind,
                                           double start_attention,
                                           const std::vector<double>& other_attentions,
                                           const std::vector<double>& init_frequency_scale) {
  std::vector<std::vector<double>> wanted = {std::vector<double>(space.num_factors, 1.0)};
  if (kind == AttentionScaleKind::kScalar) {
    for (double a : other_attentions) wanted.push_back({a / start_attention});
  } else if (!init_frequency_scale.empty()) {
    wanted.push_back(init_frequency_scale);
  }
  std::vector<Candidate> seeds;
  for (const std::vector<double>& m : wanted) {
    Candidate c = space.Snap(m, 0);
    if (std::find(seeds.begin(), seeds.end(), c) == seeds.end()) seeds.push_back(std::move(c));
  }
  return seeds;
}

}  // namespace ropescale::search
