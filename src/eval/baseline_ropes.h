#pragma once
// The baseline context extensions that need no search and no fine-tuning, built from a model's
// own RoPE for a target length M: original (the model's un-extended RoPE), PI (linear, factor
// s), static NTK (base * s^(d/(d-2))) and YaRN (factor s, original context L), with s = M / L;
// and "model", the model's RoPE as configured (e.g. a searched LongRoPE). These are what
// `ropescale eval` compares and what the search may seed its population from.
#include <string>
#include <string_view>
#include <vector>

#include "src/rope/rope_spec.h"

namespace ropescale {

enum class BaselineRope { kModel, kOriginal, kPi, kNtk, kYarn };

// "model", "original", "pi", "ntk", "yarn".
std::string_view BaselineRopeName(BaselineRope baseline);
// Throws Error naming `field` for an unknown name.
BaselineRope ParseBaselineRope(std::string_view name, std::string_view field = "rope");
// A comma-separated list of names, e.g. "original,pi,ntk,yarn"; no name twice.
std::vector<BaselineRope> ParseBaselineRopeList(std::string_view names,
                                                std::string_view field = "ropes");

// L of a model's RoPE: original_max_position_embeddings when set, else max_position_embeddings.
int PretrainingContext(const RopeSpec& model_rope);

// The model's RoPE without its extension: a longrope/longrope2 RoPE's original (the default
// kind over its original window L, same base, head_dim and partial_rotary_factor); any other
// RoPE as it is (for a base model the two coincide).
RopeSpec OriginalRope(const RopeSpec& model_rope);

// The RoPE of `baseline` for target length `target_length` (M). kModel returns model_rope
// unchanged, kOriginal OriginalRope(model_rope). The others keep base, head_dim and
// partial_rotary_factor, replace the kind, and set
// max_position_embeddings = M, original_max_position_embeddings = L, factor = max(1, M / L)
// (at s = 1 each equals the original RoPE). YaRN takes HF's defaults (beta_fast 32, beta_slow 1,
// attention scale 0.1 ln s + 1). Throws Error when the model's RoPE has no context length.
RopeSpec MakeBaselineRope(const RopeSpec& model_rope, BaselineRope baseline, int target_length);

}  // namespace ropescale
