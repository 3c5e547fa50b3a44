#pragma once
// Which RoPE the trainer trains on. "Train what you export": the mixed-window run trains every
// row on the longrope RoPE it will write into the final checkpoint, and the backend picks the
// short or the long factors for each row exactly as transformers does for a sequence of that
// length (long iff max position id + 1 > original_max_position_embeddings); the attention factor
// applies to both, as in HF's longrope.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "src/model/model_config.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

// What the single-RoPE baselines (mix off) train every row on.
enum class TrainRope { kOriginal, kPi, kNtk, kYarn, kFactors };
// "original", "pi", "ntk", "yarn", "factors"; throws Error naming `field` otherwise.
TrainRope ParseTrainRope(std::string_view name, std::string_view field = "rope");
std::string_view TrainRopeName(TrainRope rope);

// The longrope RoPE that a HF rope_scaling block (what `ropescale search --out` writes, or a
// config.json holding one) gives the model `base` at target length `long_len` (0: the block's
// own: a config.json's max_position_embeddings, else factor x L, else 8 L), read through the
// same reader as any HF config.json (RopeSpecFromHfConfig), so it is what transformers would
// build. Throws Error naming `source` when the block is not longrope/longrope2 or does not fit
// the model (factor count != rotary_dim / 2).
RopeSpec LongRopeFromScalingBlock(const ModelConfig& base, const nlohmann::json& block,
                                  int long_len, std::string_view source);

// The training RoPE:
//  mixed = true: `factors` (a longrope spec) as it is: short rows on its short factors, long rows
//    on its long factors.
//  mixed = false: every row on one RoPE: `rope` = original (the base model's), pi / ntk / yarn
//    (MakeBaselineRope for long_len), or factors (the longrope spec with short_factor := long
//    factors, so short rows are rescaled too).
// `factors` is needed for mixed and for TrainRope::kFactors (Error otherwise).
RopeSpec ResolveTrainingRope(const RopeSpec& base_rope, const std::optional<RopeSpec>& factors,
                             bool mixed, TrainRope rope, int long_len);

}  // namespace ropescale
