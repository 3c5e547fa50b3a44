// Dispatch from RopeKind to the per-kind formula, and the cos/sin tables a backend applies.
#include "src/rope/rope_frequencies.h"

#include <cmath>

#include "src/core/error.h"
#include "src/rope/rope_kinds.h"

namespace ropescale {

RopeFrequencies ComputeRopeFrequencies(const RopeSpec& spec, int64_t seq_len) {
  ValidateRopeSpec(spec);
  switch (spec.kind) {
    case RopeKind::kDefault:
      return rope_kinds::Default(spec);
    case RopeKind::kLinear:
      return rope_kinds::Linear(spec);
    case RopeKind::kNtk:
      return rope_kinds::StaticNtk(spec);
    case RopeKind::kDynamicNtk:
      return rope_kinds::DynamicNtk(spec, seq_len);
    case RopeKind::kYarn:
      return rope_kinds::Yarn(spec);
    case RopeKind::kLlama3:
      return rope_kinds::Llama3(spec);
    case RopeKind::kLongRope:
    case RopeKind::kLongRope2:  // same frequencies; critical_index only shaped the search
      return rope_kinds::LongRope(spec, seq_len);
  }
  Fail("rope: unknown RopeKind value {}", static_cast<int>(spec.kind));
}

RopeTable BuildRopeTable(const RopeSpec& spec, int num_positions, int64_t seq_len) {
  Check(num_positions >= 0, "rope table: num_positions must be >= 0, got {}", num_positions);
  const RopeFrequencies freqs = ComputeRopeFrequencies(spec, seq_len);
  RopeTable table;
  table.num_positions = num_positions;
  table.half = static_cast<int>(freqs.inv_freq.size());
  const size_t half = freqs.inv_freq.size();
  table.cos.resize(static_cast<size_t>(num_positions) * half);
  table.sin.resize(static_cast<size_t>(num_positions) * half);
  // The magnitude of each pair: the attention scale times ropescale's per-frequency scale.
  std::vector<double> magnitude(half, freqs.attention_scaling);
  for (size_t i = 0; i < spec.frequency_scale.size(); ++i) magnitude[i] *= spec.frequency_scale[i];
  for (int p = 0; p < num_positions; ++p) {
    // Angles in double (HF multiplies in float32, which loses digits at long positions).
    const std::vector<double>& inv = p < freqs.n_hat ? freqs.inv_freq_leading : freqs.inv_freq;
    for (size_t i = 0; i < half; ++i) {
      const double angle = static_cast<double>(p) * inv[i];
      table.cos[p * half + i] = static_cast<float>(std::cos(angle) * magnitude[i]);
      table.sin[p * half + i] = static_cast<float>(std::sin(angle) * magnitude[i]);
    }
  }
  return table;
}

}  // namespace ropescale
