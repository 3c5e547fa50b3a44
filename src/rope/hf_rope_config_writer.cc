// WriteRopeToHfConfig and RopeScalingBlock: the RoPE in the older config.json spelling that
// transformers 4.x and 5.x, vLLM and llama.cpp all read (see README.md, "Writing").
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "src/core/error.h"
#include "src/rope/hf_rope_config.h"

namespace ropescale {
namespace {

nlohmann::json FactorList(const std::vector<double>& factors, int count) {
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < count; ++i) {
    list.push_back(factors.empty() ? 1.0 : factors[i]);  // doubles stay doubles ("1.0")
  }
  return list;
}

// The base that carries static NTK, which transformers has no rope_type for.
double StaticNtkBase(const RopeSpec& spec) {
  const int dim = spec.rotary_dim();
  return spec.base * std::pow(spec.factor, static_cast<double>(dim) / (dim - 2));
}

// head_dim as the reader would derive it from this config, or 0 when it cannot.
int DerivedHeadDim(const nlohmann::json& model) {
  const auto integer = [&](const char* key) -> int64_t {
    const auto it = model.find(key);
    return it != model.end() && it->is_number() ? it->get<int64_t>() : 0;
  };
  if (integer("qk_rope_head_dim") > 0) return static_cast<int>(integer("qk_rope_head_dim"));
  if (integer("head_dim") > 0) return static_cast<int>(integer("head_dim"));
  if (integer("hidden_size") > 0 && integer("num_attention_heads") > 0) {
    return static_cast<int>(integer("hidden_size") / integer("num_attention_heads"));
  }
  return 0;
}

// ropescale's per-frequency attention scale has no spelling in transformers, vLLM or llama.cpp:
// the export keeps the scalar attention scale only, and says so.
void WarnDroppedFrequencyScale(const RopeSpec& spec) {
  const auto& scale = spec.frequency_scale;
  if (std::all_of(scale.begin(), scale.end(), [](double m) { return m == 1.0; })) return;
  spdlog::warn(
      "rope: frequency_scale (ropescale's per-frequency attention scale) has no "
      "transformers/vLLM/llama.cpp spelling; dropped from the export, which keeps the scalar "
      "attention scale only");
}

}  // namespace

nlohmann::json RopeScalingBlock(const RopeSpec& spec) {
  ValidateRopeSpec(spec);
  WarnDroppedFrequencyScale(spec);
  nlohmann::json block = nlohmann::json::object();
  const auto set_original = [&] {
    if (spec.original_max_position_embeddings > 0) {
      block["original_max_position_embeddings"] = spec.original_max_position_embeddings;
    }
  };
  switch (spec.kind) {
    case RopeKind::kDefault:
      break;
    case RopeKind::kNtk:
      Fail(
          "rope: static ntk has no rope_scaling block in transformers; write the whole config "
          "(WriteRopeToHfConfig), which folds it into rope_theta = {}",
          StaticNtkBase(spec));
    case RopeKind::kLinear:
    case RopeKind::kDynamicNtk:
      block["rope_type"] = std::string(RopeKindName(spec.kind));
      block["factor"] = spec.factor;
      break;
    case RopeKind::kYarn:
      block["rope_type"] = "yarn";
      block["factor"] = spec.factor;
      set_original();
      block["beta_fast"] = spec.beta_fast;
      block["beta_slow"] = spec.beta_slow;
      if (spec.mscale) block["mscale"] = *spec.mscale;
      if (spec.mscale_all_dim) block["mscale_all_dim"] = *spec.mscale_all_dim;
      if (spec.attention_factor) block["attention_factor"] = *spec.attention_factor;
      if (!spec.truncate) block["truncate"] = false;
      break;
    case RopeKind::kLlama3:
      block["rope_type"] = "llama3";
      block["factor"] = spec.factor;
      block["low_freq_factor"] = spec.low_freq_factor;
      block["high_freq_factor"] = spec.high_freq_factor;
      set_original();
      break;
    case RopeKind::kLongRope:
    case RopeKind::kLongRope2:  // critical_index only shaped the search: not written
      Check(spec.n_hat == 0,
            "rope: n_hat = {} (original frequencies for the first positions) has no "
            "transformers/vLLM/llama.cpp spelling; search with n_hat = 0 to export",
            spec.n_hat);
      block["rope_type"] = "longrope";
      block["short_factor"] = FactorList(spec.short_factor, spec.rotary_dim() / 2);
      block["long_factor"] = FactorList(spec.long_factor, spec.rotary_dim() / 2);
      set_original();
      if (spec.factor > 0.0) block["factor"] = spec.factor;  // absent: readers use M / L
      if (spec.attention_factor) block["attention_factor"] = *spec.attention_factor;
      break;
  }
  return block;
}

void WriteRopeToHfConfig(const RopeSpec& spec, nlohmann::json& config) {
  ValidateRopeSpec(spec);
  Check(config.is_object(), "rope: the config to write into must be a JSON object");
  nlohmann::json& model = config.contains("text_config") && config["text_config"].is_object()
                              ? config["text_config"]
                              : config;
  const bool static_ntk = spec.kind == RopeKind::kNtk;
  if (static_ntk) WarnDroppedFrequencyScale(spec);
  const nlohmann::json block = static_ntk ? nlohmann::json::object() : RopeScalingBlock(spec);

  // One spelling only: drop the 5.x block (it would otherwise win in llama.cpp).
  model.erase("rope_parameters");
  model["rope_theta"] = static_ntk ? StaticNtkBase(spec) : spec.base;
  if (spec.max_position_embeddings > 0) {
    model["max_position_embeddings"] = spec.max_position_embeddings;
  }
  if (spec.original_max_position_embeddings > 0) {
    model["original_max_position_embeddings"] = spec.original_max_position_embeddings;
  } else {
    model.erase("original_max_position_embeddings");
  }
  if (spec.partial_rotary_factor < 1.0) {
    model["partial_rotary_factor"] = spec.partial_rotary_factor;
  } else {
    model.erase("partial_rotary_factor");
  }
  if (DerivedHeadDim(model) != spec.head_dim) {
    model[model.contains("qk_rope_head_dim") ? "qk_rope_head_dim" : "head_dim"] = spec.head_dim;
  }
  if (block.empty()) {
    model.erase("rope_scaling");
  } else {
    model["rope_scaling"] = block;
  }
}

}  // namespace ropescale
