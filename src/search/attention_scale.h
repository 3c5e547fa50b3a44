#pragma once
// LongRoPE2's second search, over the attention scale with the rescale factors fixed. A
// candidate holds multipliers m of the fixed RoPE's own attention scale a0 on the grid of a
// SearchSpace, so the evolution, the log and the distributed scoring of the factor search serve
// it unchanged: one m for every frequency (kScalar: attention_factor = a0 * m, HF's
// `attention_factor`) or one per frequency (kPerFrequency: frequency_scale = m, monotone
// non-decreasing like the authors' mscale vector; ropescale's own format). m = 1 is the fixed
// RoPE as it is.
#include <string_view>
#include <vector>

#include "src/rope/rope_spec.h"
#include "src/search/search_space.h"

namespace ropescale::search {

enum class AttentionScaleKind { kScalar, kPerFrequency };
std::string_view AttentionScaleKindName(AttentionScaleKind kind);
// "scalar" | "per-frequency"; throws Error naming --attention-scale.
AttentionScaleKind ParseAttentionScaleKind(std::string_view name);

struct AttentionScaleSpaceOptions {
  AttentionScaleKind kind = AttentionScaleKind::kScalar;
  int num_frequencies = 0;  // rotary_dim / 2
  double min_multiplier = 0.5;
  double max_multiplier = 2.0;
  double grid_step = 0.01;  // 1 / step an integer
};
// One multiplier (scalar) or num_frequencies (per frequency), each in [min, max] on the grid;
// the range must contain 1. Throws Error naming the option.
SearchSpace MakeAttentionScaleSpace(const AttentionScaleSpaceOptions& options);

// The RoPE of a candidate: `fixed` (whose attention_factor a0 must be set) with
// attention_factor = a0 * m (scalar) or frequency_scale = m (per frequency).
RopeSpec AttentionScaleRope(const SearchSpace& space, AttentionScaleKind kind,
                            const RopeSpec& fixed, const Candidate& candidate);

// Generation 0's seeds, m = 1 first. Scalar: then the multipliers that turn `start_attention`
// into each of `other_attentions` (e.g. HF's default formula and 1). Per frequency: then
// `init_frequency_scale` when not empty. All snapped into the space; duplicates dropped.
std::vector<Candidate> AttentionScaleSeeds(const SearchSpace& space, AttentionScaleKind kind,
                                           double start_attention,
                                           const std::vector<double>& other_attentions,
                                           const std::vector<double>& init_frequency_scale);

}  // namespace ropescale::search
