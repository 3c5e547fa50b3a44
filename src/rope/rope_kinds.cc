// The per-kind formulas. Each function names the transformers v5.x function it mirrors
// (src/transformers/modeling_rope_utils.py); arithmetic is in double, HF's in float32 tensors
// (the difference is ~1e-7 relative).
#include "src/rope/rope_kinds.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ropescale::rope_kinds {
namespace {

// L for the kinds that need one: the spec's, else M (HF standardize_rope_params setdefault).
double OriginalContext(const RopeSpec& spec) {
  return spec.original_max_position_embeddings > 0 ? spec.original_max_position_embeddings
                                                   : spec.max_position_embeddings;
}

// get_mscale inside _compute_yarn_parameters: 0.1 * m * ln(s) + 1, or 1 when s <= 1.
double YarnMscale(double scale, double mscale) {
  if (scale <= 1.0) return 1.0;
  return 0.1 * mscale * std::log(scale) + 1.0;
}

// find_correction_dim: the (fractional) frequency index that makes `rotations` turns over L.
double YarnCorrectionDim(double rotations, int dim, double base, double context) {
  return dim * std::log(context / (rotations * 2.0 * std::numbers::pi)) / (2.0 * std::log(base));
}

}  // namespace

std::vector<double> DefaultInvFreq(double base, int rotary_dim) {
  std::vector<double> inv_freq(rotary_dim / 2);
  for (int i = 0; i < rotary_dim / 2; ++i) {
    inv_freq[i] = 1.0 / std::pow(base, static_cast<double>(2 * i) / rotary_dim);
  }
  return inv_freq;
}

// _compute_default_rope_parameters.
RopeFrequencies Default(const RopeSpec& spec) {
  RopeFrequencies out;
  out.inv_freq = DefaultInvFreq(spec.base, spec.rotary_dim());
  return out;
}

// _compute_linear_scaling_rope_parameters: inv_freq / factor.
RopeFrequencies Linear(const RopeSpec& spec) {
  RopeFrequencies out = Default(spec);
  for (double& f : out.inv_freq) f /= spec.factor;
  return out;
}

// Static NTK-aware scaling (bloc97): base' = base * factor^(d/(d-2)), no attention scale.
RopeFrequencies StaticNtk(const RopeSpec& spec) {
  const int dim = spec.rotary_dim();
  const double base = spec.base * std::pow(spec.factor, static_cast<double>(dim) / (dim - 2));
  RopeFrequencies out;
  out.inv_freq = DefaultInvFreq(base, dim);
  return out;
}

// _compute_dynamic_ntk_parameters: S' = max(seq_len, M) with M = max_position_embeddings (HF
// v5 uses config.max_position_embeddings here, never original_max_position_embeddings).
double DynamicNtkBase(const RopeSpec& spec, int64_t seq_len) {
  const double max_pos = spec.max_position_embeddings;
  const double effective = std::max(static_cast<double>(seq_len), max_pos);
  const int dim = spec.rotary_dim();
  return spec.base * std::pow(spec.factor * effective / max_pos - (spec.factor - 1.0),
                              static_cast<double>(dim) / (dim - 2));
}

RopeFrequencies DynamicNtk(const RopeSpec& spec, int64_t seq_len) {
  RopeFrequencies out;
  out.inv_freq = DefaultInvFreq(DynamicNtkBase(spec, seq_len), spec.rotary_dim());
  return out;
}

// find_correction_range: floor/ceil only when truncate, clamped to [0, dim - 1] (HF clamps to
// dim - 1, not dim/2 - 1).
YarnRange YarnCorrectionRange(const RopeSpec& spec) {
  const int dim = spec.rotary_dim();
  const double context = OriginalContext(spec);
  double low = YarnCorrectionDim(spec.beta_fast, dim, spec.base, context);
  double high = YarnCorrectionDim(spec.beta_slow, dim, spec.base, context);
  if (spec.truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  return {std::max(low, 0.0), std::min(high, static_cast<double>(dim - 1))};
}

// _compute_yarn_parameters.
RopeFrequencies Yarn(const RopeSpec& spec) {
  const int dim = spec.rotary_dim();
  RopeFrequencies out;
  if (spec.attention_factor) {
    out.attention_scaling = *spec.attention_factor;
  } else if (spec.mscale.value_or(0.0) != 0.0 && spec.mscale_all_dim.value_or(0.0) != 0.0) {
    // Python truthiness: `if mscale and mscale_all_dim` (0.0 counts as absent).
    out.attention_scaling =
        YarnMscale(spec.factor, *spec.mscale) / YarnMscale(spec.factor, *spec.mscale_all_dim);
  } else {
    out.attention_scaling = YarnMscale(spec.factor, 1.0);
  }
  const YarnRange range = YarnCorrectionRange(spec);
  const double high = range.low == range.high ? range.high + 0.001 : range.high;
  const std::vector<double> extrapolation = DefaultInvFreq(spec.base, dim);
  out.inv_freq.resize(dim / 2);
  for (int i = 0; i < dim / 2; ++i) {
    // linear_ramp_factor: 0 below low (extrapolate), 1 above high (interpolate).
    const double ramp = std::clamp((i - range.low) / (high - range.low), 0.0, 1.0);
    const double extrapolation_weight = 1.0 - ramp;
    const double interpolation = extrapolation[i] / spec.factor;
    out.inv_freq[i] =
        interpolation * (1.0 - extrapolation_weight) + extrapolation[i] * extrapolation_weight;
  }
  return out;
}

// _compute_llama3_parameters: wavelength bands around L/high_freq_factor and L/low_freq_factor.
RopeFrequencies Llama3(const RopeSpec& spec) {
  RopeFrequencies out = Default(spec);
  const double context = spec.original_max_position_embeddings;
  const double low_freq_wavelen = context / spec.low_freq_factor;
  const double high_freq_wavelen = context / spec.high_freq_factor;
  for (double& inv : out.inv_freq) {
    const double wavelen = 2.0 * std::numbers::pi / inv;
    if (wavelen > low_freq_wavelen) {
      inv /= spec.factor;
    } else if (wavelen >= high_freq_wavelen) {
      const double smooth = (context / wavelen - spec.low_freq_factor) /
                            (spec.high_freq_factor - spec.low_freq_factor);
      inv = (1.0 - smooth) * inv / spec.factor + smooth * inv;
    }
  }
  return out;
}

// _compute_longrope_parameters switches on `seq_len and seq_len > L`.
bool LongRopeUsesLongFactors(const RopeSpec& spec, int64_t seq_len) {
  return seq_len > 0 && seq_len > spec.original_max_position_embeddings;
}

// _compute_longrope_parameters, plus LongRoPE's n_hat (original frequencies for the first
// n_hat positions; not in HF).
RopeFrequencies LongRope(const RopeSpec& spec, int64_t seq_len) {
  const int dim = spec.rotary_dim();
  const double factor = spec.scale();  // HF: rope_parameters.factor, else M / L
  const double context = spec.original_max_position_embeddings;
  RopeFrequencies out;
  if (spec.attention_factor) {
    out.attention_scaling = *spec.attention_factor;
  } else if (factor <= 1.0) {
    out.attention_scaling = 1.0;
  } else {
    out.attention_scaling = std::sqrt(1.0 + std::log(factor) / std::log(context));
  }
  const std::vector<double>& factors =
      LongRopeUsesLongFactors(spec, seq_len) ? spec.long_factor : spec.short_factor;
  out.inv_freq.resize(dim / 2);
  for (int i = 0; i < dim / 2; ++i) {
    const double lambda = factors.empty() ? 1.0 : factors[i];
    out.inv_freq[i] = 1.0 / (lambda * std::pow(spec.base, static_cast<double>(2 * i) / dim));
  }
  if (spec.n_hat > 0) {
    out.n_hat = spec.n_hat;
    out.inv_freq_leading = DefaultInvFreq(spec.base, dim);
  }
  return out;
}

}  // namespace ropescale::rope_kinds
