#include "src/train/training_rope.h"

#include <cmath>

#include "src/core/error.h"
#include "src/eval/baseline_ropes.h"
#include "src/rope/hf_rope_config.h"

namespace ropescale {

TrainRope ParseTrainRope(std::string_view name, std::string_view field) {
  if (name == "original") return TrainRope::kOriginal;
  if (name == "pi") return TrainRope::kPi;
  if (name == "ntk") return TrainRope::kNtk;
  if (name == "yarn") return TrainRope::kYarn;
  if (name == "factors") return TrainRope::kFactors;
  Fail("{}: unknown RoPE '{}' (expected original, pi, ntk, yarn or factors)", field, name);
}

std::string_view TrainRopeName(TrainRope rope) {
  switch (rope) {
    case TrainRope::kOriginal:
      return "original";
    case TrainRope::kPi:
      return "pi";
    case TrainRope::kNtk:
      return "ntk";
    case TrainRope::kYarn:
      return "yarn";
    case TrainRope::kFactors:
      return "factors";
  }
  return "?";
}

RopeSpec LongRopeFromScalingBlock(const ModelConfig& base, const nlohmann::json& block,
                                  int long_len, std::string_view source) {
  const nlohmann::json* scaling = &block;
  if (block.is_object() && block.contains("rope_scaling")) scaling = &block["rope_scaling"];
  Check(scaling->is_object(), "{}: expected a rope_scaling JSON object", source);
  const std::string type = scaling->value("rope_type", scaling->value("type", std::string()));
  Check(type == "longrope" || type == "longrope2" || type == "su",
        "{}: rope_scaling type '{}' is not longrope (give the --out of `ropescale search`)", source,
        type);
  const int window = PretrainingContext(base.rope);
  int target = long_len;
  if (target == 0 && block.contains("max_position_embeddings")) {
    Check(block["max_position_embeddings"].is_number_integer(),
          "{}: max_position_embeddings is not an integer", source);
    target = block["max_position_embeddings"].get<int>();
  }
  if (target == 0 && scaling->contains("factor")) {
    Check((*scaling)["factor"].is_number(), "{}: factor is not a number", source);
    target = static_cast<int>(std::lround((*scaling)["factor"].get<double>() * window));
  }
  if (target == 0) target = 8 * window;
  nlohmann::json config = {
      {"hidden_size", base.hidden_size},   {"num_attention_heads", base.num_heads},
      {"head_dim", base.head_dim},         {"rope_theta", base.rope.base},
      {"max_position_embeddings", target}, {"rope_scaling", *scaling}};
  if (base.rope.partial_rotary_factor < 1.0) {
    config["partial_rotary_factor"] = base.rope.partial_rotary_factor;
  }
  if (!scaling->contains("original_max_position_embeddings")) {
    config["original_max_position_embeddings"] = window;
  }
  RopeSpec spec = RopeSpecFromHfConfig(config, source);
  Check(spec.original_max_position_embeddings == window,
        "{}: original_max_position_embeddings {} differs from the model's window {}", source,
        spec.original_max_position_embeddings, window);
  ValidateRopeSpec(spec);
  return spec;
}

RopeSpec ResolveTrainingRope(const RopeSpec& base_rope, const std::optional<RopeSpec>& factors,
                             bool mixed, TrainRope rope, int long_len) {
  const bool needs_factors = mixed || rope == TrainRope::kFactors;
  Check(!needs_factors || factors.has_value(),
        "train: no longrope factors: give factors (the --out of `ropescale search`) or a model "
        "whose RoPE is longrope");
  if (needs_factors) {
    Check(IsLongRope(factors->kind), "train: the factors' RoPE is {}, not longrope",
          RopeKindName(factors->kind));
    Check(!mixed || long_len > PretrainingContext(*factors),
          "train: long_len {} does not exceed the original window {}: long rows would get the "
          "short factors",
          long_len, PretrainingContext(*factors));
    Check(factors->max_position_embeddings >= long_len,
          "train: the factors' max_position_embeddings {} is below long_len {}",
          factors->max_position_embeddings, long_len);
  }
  if (mixed) return *factors;
  switch (rope) {
    case TrainRope::kOriginal:
      return base_rope;
    case TrainRope::kPi:
      return MakeBaselineRope(base_rope, BaselineRope::kPi, long_len);
    case TrainRope::kNtk:
      return MakeBaselineRope(base_rope, BaselineRope::kNtk, long_len);
    case TrainRope::kYarn:
      return MakeBaselineRope(base_rope, BaselineRope::kYarn, long_len);
    case TrainRope::kFactors: {
      RopeSpec spec = *factors;
      spec.short_factor = spec.long_factor;
      return spec;
    }
  }
  Fail("train: unknown RoPE");
}

}  // namespace ropescale
