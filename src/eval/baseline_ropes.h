#pragma once
// The baseline context extensions that need no search and no fine-tuning, built from a model's
// own RoPE for a target length M: original (unchanged), PI (linear, factor s), static NTK
// (base * s^(d/(d-2))) and YaRN (factor s, original context L), with s = M / L. These are what
// `ropescale eval` compares against and what the search may seed its population from.
#include <string>
#include <string_view>
#include <vector>

#include "src/rope/rope_spec.h"

namespace ropescale {

enum class BaselineRope { kOriginal, kPi, kNtk, kYarn };

// "original", "pi", "ntk", "yarn".
std::string_view BaselineRopeName(BaselineRope baseline);
// Throws Error naming `field` for an unknown name.
BaselineRope ParseBaselineRope(std::string_view name, std::string_view field = "rope");
// A comma-separated list of names, e.g. "original,pi,ntk,yarn".
std::vector<BaselineRope> ParseBaselineRopeList(std::string_view names,
                                                std::string_view field = "ropes");

// L of a model's RoPE: original_max_position_embeddings when set, else max_position_embeddings.
int PretrainingContext(const RopeSpec& model_rope);

// The RoPE of `baseline` for target length `target_length` (M). kOriginal returns model_rope
// unchanged. The others keep base, head_dim and partial_rotary_factor, replace the kind, and set
// max_position_embeddings = M, original_max_position_embeddings = L, factor = max(1, M / L)
// (at s = 1 each equals the original RoPE). YaRN takes HF's defaults (beta_fast 32, beta_slow 1,
// attention scale 0.1 ln s + 1). Throws Error when the model's RoPE has no context length.
RopeSpec MakeBaselineRope(const RopeSpec& model_rope, BaselineRope baseline, int target_length);

}  // namespace ropescale
