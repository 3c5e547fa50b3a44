#pragma once
// Reading and writing the RoPE part of a Hugging Face config.json: the older spelling
// (top-level rope_theta + rope_scaling {type|rope_type, ...}) and the newer one
// (rope_parameters {rope_type, rope_theta, ...}), following text_config nesting.
#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "src/rope/rope_spec.h"

namespace ropescale {

// Reads the RoPE of a whole config.json object. `source` names the file in error messages.
// Fields the config does not give take transformers' defaults (head_dim = hidden/heads, ...).
// Unsupported kinds or fields are rejected with an Error naming the field.
RopeSpec RopeSpecFromHfConfig(const nlohmann::json& config, std::string_view source);

// The rope_scaling block alone (what `ropescale search --out` writes), e.g.
// {"rope_type":"longrope","short_factor":[..],"long_factor":[..],
//  "original_max_position_embeddings":L, "factor":M/L, ...}. Empty object for kDefault.
nlohmann::json RopeScalingBlock(const RopeSpec& spec);

// Writes the RoPE into a config.json object in the older spelling that transformers 4.x and
// 5.x, vLLM and llama.cpp all read: top-level rope_theta, max_position_embeddings,
// original_max_position_embeddings (when set), partial_rotary_factor (when < 1), rope_scaling.
void WriteRopeToHfConfig(const RopeSpec& spec, nlohmann::json& config);

}  // namespace ropescale
