#pragma once
// The description of one rotary position embedding: a plain value type. Everything that
// uses a RoPE (the model backends, the search, the HF config reader/writer) passes this.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ropescale {

enum class RopeKind {
  kDefault,     // theta_i = base^(-2i/d)
  kLinear,      // PI: inv_freq / factor
  kNtk,         // static NTK-aware: base' = base * factor^(d/(d-2))
  kDynamicNtk,  // HF "dynamic": base recomputed from the sequence length
  kYarn,        // HF "yarn": ramp between extrapolation and interpolation, attention mscale
  kLlama3,      // HF "llama3": wavelength bands
  kLongRope,    // per-frequency factors; HF "longrope" (short/long switch) + LongRoPE's n_hat
  kLongRope2,   // kLongRope plus the critical index that split its search space
};

// Lower-case names as used on the command line and in HF configs ("default", "linear",
// "ntk", "dynamic", "yarn", "llama3", "longrope", "longrope2").
std::string_view RopeKindName(RopeKind kind);
// Accepts the names above plus HF aliases ("su" -> longrope). Throws Error naming `field`.
RopeKind ParseRopeKind(std::string_view name, std::string_view field = "rope_type");

struct RopeSpec {
  RopeKind kind = RopeKind::kDefault;
  double base = 10000.0;                     // rope_theta
  int head_dim = 0;                          // full head dim of the attention heads
  double partial_rotary_factor = 1.0;        // rotary dims = int(head_dim * partial_rotary_factor)
  int max_position_embeddings = 0;           // M: the (target) context of the model
  int original_max_position_embeddings = 0;  // L: pretraining context (0 = not set)

  // linear / ntk / dynamic / yarn / llama3 scale; longrope: HF's `factor` (0 = M/L).
  double factor = 1.0;
  // Explicit attention scale (HF `attention_factor`); empty = the kind's default formula.
  std::optional<double> attention_factor;

  // yarn
  double beta_fast = 32.0;
  double beta_slow = 1.0;
  std::optional<double> mscale;
  std::optional<double> mscale_all_dim;
  bool truncate = true;

  // llama3
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;

  // longrope / longrope2: rescale factors lambda_i, one per frequency (rotary_dim/2 each).
  // long_factor applies to sequences longer than L, short_factor to the others (an empty
  // short_factor means all ones, i.e. the original RoPE for short inputs).
  std::vector<double> long_factor;
  std::vector<double> short_factor;
  int n_hat = 0;            // LongRoPE: positions < n_hat keep the original frequencies
  int critical_index = -1;  // LongRoPE2: first frequency index searched in [s, S_max]

  // ropescale's own per-frequency attention scale (LongRoPE2's searched "mscale" vector), on top
  // of the attention scale: cos and sin of pair i are multiplied by attention * frequency_scale[i],
  // so pair i's share of every q.k logit is multiplied by (attention * frequency_scale[i])^2.
  // Empty = all ones. Any kind; rotary_dim/2 entries. No HF spelling: exports drop it.
  std::vector<double> frequency_scale;

  int rotary_dim() const;
  // s = M / L for the scaling kinds (factor when set), 1 when there is nothing to scale.
  double scale() const;
  bool operator==(const RopeSpec&) const = default;
};

// longrope or longrope2: per-frequency factors with HF's short/long switch.
bool IsLongRope(RopeKind kind);

// Throws Error when the spec is inconsistent (factor list length != rotary_dim/2, base <= 1,
// non-positive factors, ...), naming the offending field.
void ValidateRopeSpec(const RopeSpec& spec);

}  // namespace ropescale
