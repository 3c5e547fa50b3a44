// RopeSpecFromHfConfig: the RoPE of a Hugging Face config.json, read the way transformers
// v5.x reads it (configuration_utils.py convert_rope_params_to_dict / standardize_rope_params,
// modeling_rope_utils.py), in both spellings and under text_config.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "src/core/error.h"
#include "src/rope/hf_json_fields.h"
#include "src/rope/hf_rope_config.h"

namespace ropescale {
namespace {

constexpr double kHfDefaultTheta = 10000.0;  // PreTrainedConfig.default_theta

// Values transformers accepts with a warning (modeling_rope_utils.py _validate_*_parameters):
// usable, but almost certainly not what the config's author meant.
void WarnQuestionableRope(const RopeSpec& spec, std::string_view source) {
  const bool has_factor =
      spec.kind != RopeKind::kDefault && !(IsLongRope(spec.kind) && spec.factor == 0.0);
  if (has_factor && spec.factor < 1.0) {
    spdlog::warn("{}: rope field 'factor' = {} is < 1 (this compresses, not extends, the context)",
                 source, spec.factor);
  }
  if (spec.kind == RopeKind::kYarn && spec.beta_fast < spec.beta_slow) {
    spdlog::warn("{}: rope field 'beta_fast' = {} is < 'beta_slow' = {} (the ramp is reversed)",
                 source, spec.beta_fast, spec.beta_slow);
  }
  if (spec.kind != RopeKind::kDefault && spec.max_position_embeddings > 0 &&
      spec.original_max_position_embeddings > spec.max_position_embeddings) {
    spdlog::warn(
        "{}: field 'original_max_position_embeddings' = {} is > 'max_position_embeddings' = {}",
        source, spec.original_max_position_embeddings, spec.max_position_embeddings);
  }
}

// Keys of the rope block each kind reads; anything else is warned about and ignored, as
// transformers' _check_received_keys does.
std::set<std::string> KnownBlockKeys(RopeKind kind) {
  std::set<std::string> keys = {"type", "rope_type", "rope_theta", "partial_rotary_factor",
                                "original_max_position_embeddings"};
  switch (kind) {
    case RopeKind::kDefault:
      break;
    case RopeKind::kLinear:
    case RopeKind::kNtk:
    case RopeKind::kDynamicNtk:
      keys.insert("factor");
      break;
    case RopeKind::kYarn:
      keys.insert({"factor", "attention_factor", "beta_fast", "beta_slow", "mscale",
                   "mscale_all_dim", "truncate"});
      break;
    case RopeKind::kLlama3:
      keys.insert({"factor", "low_freq_factor", "high_freq_factor"});
      break;
    case RopeKind::kLongRope:
      keys.insert({"factor", "attention_factor", "short_factor", "long_factor"});
      break;
    case RopeKind::kLongRope2:
      keys.insert({"factor", "attention_factor", "short_factor", "long_factor", "critical_index"});
      break;
  }
  return keys;
}

int ToInt(int64_t value, const hf_json::Object& where, std::string_view key) {
  Check(value >= 0 && value <= std::numeric_limits<int>::max(),
        "{}: field '{}': {} is out of range", where.source, where.Path(key), value);
  return static_cast<int>(value);
}

// head_dim as transformers derives it: DeepSeek's rotary part (qk_rope_head_dim), else
// head_dim, else hidden_size // num_attention_heads.
int ReadHeadDim(const hf_json::Object& model) {
  if (model.Has("qk_rope_head_dim")) {
    return ToInt(model.RequireInteger("qk_rope_head_dim", ""), model, "qk_rope_head_dim");
  }
  if (model.Has("head_dim")) return ToInt(model.RequireInteger("head_dim", ""), model, "head_dim");
  const int64_t hidden = model.RequireInteger("hidden_size",
                                              "head_dim is not given, so it is hidden_size / "
                                              "num_attention_heads");
  const int64_t heads = model.RequireInteger(
      "num_attention_heads", "head_dim is not given, so it is hidden_size / num_attention_heads");
  Check(heads > 0, "{}: field '{}': must be > 0", model.source, model.Path("num_attention_heads"));
  return ToInt(hidden / heads, model, "hidden_size");
}

RopeKind ReadKind(const hf_json::Object& block) {
  const auto rope_type = block.String("rope_type");
  const auto type = block.String("type");
  if (rope_type && type) {
    Check(*rope_type == *type, "{}: fields '{}' ('{}') and '{}' ('{}') disagree", block.source,
          block.Path("rope_type"), *rope_type, block.Path("type"), *type);
  }
  if (rope_type)
    return ParseRopeKind(*rope_type, block.source + ": field " + block.Path("rope_type"));
  if (type) return ParseRopeKind(*type, block.source + ": field " + block.Path("type"));
  return RopeKind::kDefault;
}

void WarnUnknownKeys(const hf_json::Object& block, RopeKind kind) {
  const std::set<std::string> known = KnownBlockKeys(kind);
  for (const auto& [key, value] : block.json->items()) {
    if (!known.contains(key)) {
      spdlog::warn("{}: field '{}' is not used by rope_type '{}'; ignored", block.source,
                   block.Path(key), RopeKindName(kind));
    }
  }
}

void ReadYarn(const hf_json::Object& block, RopeSpec& spec) {
  spec.factor = block.RequireNumber("factor", "yarn needs it");
  spec.attention_factor = block.Number("attention_factor");
  // `rope_parameters.get("beta_fast") or 32`: null and 0 mean the default.
  spec.beta_fast = block.Number("beta_fast").value_or(0.0);
  if (spec.beta_fast == 0.0) spec.beta_fast = 32.0;
  spec.beta_slow = block.Number("beta_slow").value_or(0.0);
  if (spec.beta_slow == 0.0) spec.beta_slow = 1.0;
  spec.mscale = block.Number("mscale");
  spec.mscale_all_dim = block.Number("mscale_all_dim");
  spec.truncate = block.Bool("truncate").value_or(true);
}

void ReadLlama3(const hf_json::Object& block, RopeSpec& spec) {
  spec.factor = block.RequireNumber("factor", "llama3 needs it");
  spec.low_freq_factor = block.RequireNumber("low_freq_factor", "llama3 needs it");
  spec.high_freq_factor = block.RequireNumber("high_freq_factor", "llama3 needs it");
}

void ReadLongRope(const hf_json::Object& block, RopeSpec& spec) {
  spec.long_factor = block.RequireNumberList("long_factor", "longrope needs it");
  spec.short_factor = block.RequireNumberList("short_factor", "longrope needs it");
  spec.factor = block.Number("factor").value_or(0.0);  // 0 = M / L, as transformers v5
  spec.attention_factor = block.Number("attention_factor");
  if (spec.kind == RopeKind::kLongRope2 && block.Has("critical_index")) {
    spec.critical_index =
        ToInt(block.RequireInteger("critical_index", ""), block, "critical_index");
  }
}

}  // namespace

RopeSpec RopeSpecFromHfConfig(const nlohmann::json& config, std::string_view source) {
  Check(config.is_object(), "{}: expected a JSON object at the top level", source);
  hf_json::Object top{&config, std::string(source), ""};
  // Multimodal wrappers (mistral3, gemma3, ...) nest the language model under text_config.
  const hf_json::Object model = top.Child("text_config").value_or(top);

  // transformers 5.x: `rope_scaling or rope_parameters` (rope_scaling wins, {} does not).
  std::optional<hf_json::Object> block = model.Child("rope_scaling");
  if (block && block->json->empty()) block.reset();
  if (!block) block = model.Child("rope_parameters");

  RopeSpec spec;
  spec.kind = block ? ReadKind(*block) : RopeKind::kDefault;
  spec.head_dim = ReadHeadDim(model);
  if (model.Has("max_position_embeddings")) {
    spec.max_position_embeddings = ToInt(model.RequireInteger("max_position_embeddings", ""), model,
                                         "max_position_embeddings");
  }

  // rope_theta and partial_rotary_factor: setdefault into the block, so the block's own wins.
  const auto block_number = [&](std::string_view key) {
    return block ? block->Number(key) : std::nullopt;
  };
  if (auto theta = block_number("rope_theta")) {
    spec.base = *theta;
  } else if (auto top_theta = model.Number("rope_theta")) {
    spec.base = *top_theta;
  } else {
    spec.base = kHfDefaultTheta;
    spdlog::warn("{}: no rope_theta; using transformers' default {}", source, kHfDefaultTheta);
  }
  spec.partial_rotary_factor = block_number("partial_rotary_factor")
                                   .value_or(model.Number("partial_rotary_factor").value_or(1.0));

  // original_max_position_embeddings: the top-level attribute wins (Phi-3), else the block's,
  // else for llama3/yarn/longrope M (standardize_rope_params' setdefault).
  if (model.Has("original_max_position_embeddings")) {
    spec.original_max_position_embeddings =
        ToInt(model.RequireInteger("original_max_position_embeddings", ""), model,
              "original_max_position_embeddings");
    if (block && block->Has("original_max_position_embeddings")) {
      const int inner = ToInt(block->RequireInteger("original_max_position_embeddings", ""), *block,
                              "original_max_position_embeddings");
      if (inner != spec.original_max_position_embeddings) {
        spdlog::warn("{}: field '{}' = {} disagrees with '{}' = {}; the top-level value is used",
                     source, block->Path("original_max_position_embeddings"), inner,
                     model.Path("original_max_position_embeddings"),
                     spec.original_max_position_embeddings);
      }
    }
  } else if (block && block->Has("original_max_position_embeddings")) {
    spec.original_max_position_embeddings =
        ToInt(block->RequireInteger("original_max_position_embeddings", ""), *block,
              "original_max_position_embeddings");
  } else if (spec.kind == RopeKind::kYarn || spec.kind == RopeKind::kLlama3 ||
             spec.kind == RopeKind::kLongRope || spec.kind == RopeKind::kLongRope2) {
    Check(spec.max_position_embeddings > 0,
          "{}: field '{}' is missing (rope_type {} needs original_max_position_embeddings or "
          "max_position_embeddings)",
          source, model.Path("max_position_embeddings"), RopeKindName(spec.kind));
    spec.original_max_position_embeddings = spec.max_position_embeddings;
  }

  if (block) {
    WarnUnknownKeys(*block, spec.kind);
    switch (spec.kind) {
      case RopeKind::kDefault:
        break;
      case RopeKind::kLinear:
      case RopeKind::kNtk:
      case RopeKind::kDynamicNtk:
        spec.factor = block->RequireNumber(
            "factor", fmt::format("rope_type {} needs it", RopeKindName(spec.kind)));
        break;
      case RopeKind::kYarn:
        ReadYarn(*block, spec);
        break;
      case RopeKind::kLlama3:
        ReadLlama3(*block, spec);
        break;
      case RopeKind::kLongRope:
      case RopeKind::kLongRope2:
        ReadLongRope(*block, spec);
        break;
    }
  }

  try {
    ValidateRopeSpec(spec);
  } catch (const Error& e) {
    Fail("{}: {}", source, e.what());
  }
  WarnQuestionableRope(spec, source);
  return spec;
}

}  // namespace ropescale
