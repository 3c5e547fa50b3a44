// RopeKind names and RopeSpec checks. Pure value logic: no I/O.
#include "src/rope/rope_spec.h"

#include <array>
#include <cmath>
#include <utility>

#include "src/core/error.h"

namespace ropescale {
namespace {

constexpr std::array<std::pair<RopeKind, std::string_view>, 8> kKindNames = {{
    {RopeKind::kDefault, "default"},
    {RopeKind::kLinear, "linear"},
    {RopeKind::kNtk, "ntk"},
    {RopeKind::kDynamicNtk, "dynamic"},
    {RopeKind::kYarn, "yarn"},
    {RopeKind::kLlama3, "llama3"},
    {RopeKind::kLongRope, "longrope"},
    {RopeKind::kLongRope2, "longrope2"},
}};

bool IsPositiveFinite(double value) { return std::isfinite(value) && value > 0.0; }

void CheckFactorList(const std::vector<double>& factors, std::string_view field, int expected) {
  Check(static_cast<int>(factors.size()) == expected,
        "rope field '{}': has {} entries, expected rotary_dim/2 = {}", field, factors.size(),
        expected);
  for (size_t i = 0; i < factors.size(); ++i) {
    Check(IsPositiveFinite(factors[i]), "rope field '{}[{}]': must be a positive number, got {}",
          field, i, factors[i]);
  }
}

}  // namespace

std::string_view RopeKindName(RopeKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  Fail("unknown RopeKind value {}", static_cast<int>(kind));
}

RopeKind ParseRopeKind(std::string_view name, std::string_view field) {
  for (const auto& [kind, kind_name] : kKindNames) {
    if (kind_name == name) return kind;
  }
  if (name == "su") return RopeKind::kLongRope;  // Phi-3's first spelling of longrope
  Fail(
      "rope field '{}': unsupported RoPE type '{}' (expected one of default, linear, ntk, "
      "dynamic, yarn, llama3, longrope, longrope2, su)",
      field, name);
}

int RopeSpec::rotary_dim() const {
  // Python's int(head_dim * partial_rotary_factor): truncation toward zero.
  return static_cast<int>(static_cast<double>(head_dim) * partial_rotary_factor);
}

double RopeSpec::scale() const {
  switch (kind) {
    case RopeKind::kDefault:
      return 1.0;
    case RopeKind::kLongRope:
    case RopeKind::kLongRope2:
      if (factor > 0.0) return factor;
      if (max_position_embeddings > 0 && original_max_position_embeddings > 0) {
        return static_cast<double>(max_position_embeddings) / original_max_position_embeddings;
      }
      return 1.0;
    default:
      return factor;
  }
}

bool IsLongRope(RopeKind kind) {
  return kind == RopeKind::kLongRope || kind == RopeKind::kLongRope2;
}

void ValidateRopeSpec(const RopeSpec& spec) {
  Check(IsPositiveFinite(spec.base) && spec.base > 1.0,
        "rope field 'rope_theta': must be > 1, got {}", spec.base);
  Check(spec.head_dim > 0, "rope field 'head_dim': must be > 0, got {}", spec.head_dim);
  Check(std::isfinite(spec.partial_rotary_factor) && spec.partial_rotary_factor > 0.0 &&
            spec.partial_rotary_factor <= 1.0,
        "rope field 'partial_rotary_factor': must be in (0, 1], got {}",
        spec.partial_rotary_factor);
  const int dim = spec.rotary_dim();
  Check(dim >= 2 && dim % 2 == 0,
        "rope field 'partial_rotary_factor': rotary_dim = {} must be "
        "even and >= 2 (head_dim {} x {})",
        dim, spec.head_dim, spec.partial_rotary_factor);
  Check(spec.max_position_embeddings >= 0,
        "rope field 'max_position_embeddings': must be >= 0, got {}", spec.max_position_embeddings);
  Check(spec.original_max_position_embeddings >= 0,
        "rope field 'original_max_position_embeddings': must be >= 0, got {}",
        spec.original_max_position_embeddings);
  if (spec.attention_factor) {
    Check(spec.kind == RopeKind::kYarn || IsLongRope(spec.kind),
          "rope field 'attention_factor': only yarn and longrope take one, kind is {}",
          RopeKindName(spec.kind));
    Check(IsPositiveFinite(*spec.attention_factor),
          "rope field 'attention_factor': must be a positive number, got {}",
          *spec.attention_factor);
  }
  Check(spec.n_hat >= 0, "rope field 'n_hat': must be >= 0, got {}", spec.n_hat);
  Check(spec.n_hat == 0 || IsLongRope(spec.kind),
        "rope field 'n_hat': only longrope/longrope2 keep leading positions, kind is {}",
        RopeKindName(spec.kind));
  Check(spec.critical_index == -1 || (spec.critical_index >= 0 && spec.critical_index <= dim / 2),
        "rope field 'critical_index': must be -1 or in [0, {}], got {}", dim / 2,
        spec.critical_index);
  if (!spec.frequency_scale.empty()) {
    CheckFactorList(spec.frequency_scale, "frequency_scale", dim / 2);
  }

  switch (spec.kind) {
    case RopeKind::kDefault:
      break;
    case RopeKind::kLinear:
      Check(IsPositiveFinite(spec.factor), "rope field 'factor': must be > 0, got {}", spec.factor);
      break;
    case RopeKind::kNtk:
    case RopeKind::kDynamicNtk:
      Check(IsPositiveFinite(spec.factor), "rope field 'factor': must be > 0, got {}", spec.factor);
      Check(dim > 2, "rope field 'head_dim': {} needs rotary_dim > 2 (d/(d-2)), got {}",
            RopeKindName(spec.kind), dim);
      if (spec.kind == RopeKind::kDynamicNtk) {
        Check(spec.max_position_embeddings > 0,
              "rope field 'max_position_embeddings': dynamic needs it > 0");
      }
      break;
    case RopeKind::kYarn:
      Check(IsPositiveFinite(spec.factor), "rope field 'factor': must be > 0, got {}", spec.factor);
      Check(spec.original_max_position_embeddings > 0 || spec.max_position_embeddings > 0,
            "rope field 'original_max_position_embeddings': yarn needs it (or "
            "max_position_embeddings) > 0");
      Check(IsPositiveFinite(spec.beta_fast), "rope field 'beta_fast': must be > 0, got {}",
            spec.beta_fast);
      Check(IsPositiveFinite(spec.beta_slow), "rope field 'beta_slow': must be > 0, got {}",
            spec.beta_slow);
      break;
    case RopeKind::kLlama3:
      Check(IsPositiveFinite(spec.factor), "rope field 'factor': must be > 0, got {}", spec.factor);
      Check(spec.original_max_position_embeddings > 0,
            "rope field 'original_max_position_embeddings': llama3 needs it > 0");
      Check(IsPositiveFinite(spec.low_freq_factor),
            "rope field 'low_freq_factor': must be > 0, got {}", spec.low_freq_factor);
      Check(IsPositiveFinite(spec.high_freq_factor) && spec.high_freq_factor > spec.low_freq_factor,
            "rope field 'high_freq_factor': must be > low_freq_factor ({}), got {}",
            spec.low_freq_factor, spec.high_freq_factor);
      break;
    case RopeKind::kLongRope:
    case RopeKind::kLongRope2:
      Check(spec.original_max_position_embeddings > 0,
            "rope field 'original_max_position_embeddings': longrope needs it > 0");
      Check(std::isfinite(spec.factor) && spec.factor >= 0.0,
            "rope field 'factor': must be >= 0 (0 = M/L), got {}", spec.factor);
      Check(spec.factor > 0.0 || spec.max_position_embeddings > 0,
            "rope field 'max_position_embeddings': longrope without 'factor' needs M > 0 (factor "
            "= M/L)");
      CheckFactorList(spec.long_factor, "long_factor", dim / 2);
      if (!spec.short_factor.empty()) CheckFactorList(spec.short_factor, "short_factor", dim / 2);
      break;
  }
}

}  // namespace ropescale
