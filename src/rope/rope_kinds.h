#pragma once
// One function per RoPE kind, each the counterpart of one function in Hugging Face
// transformers' src/transformers/modeling_rope_utils.py (v5.x). Internal to src/rope: callers
// use ComputeRopeFrequencies, which validates the spec and dispatches here.
#include <cstdint>
#include <vector>

#include "src/rope/rope_frequencies.h"
#include "src/rope/rope_spec.h"

namespace ropescale::rope_kinds {

// theta_i = base^(-2i/d), i = 0..d/2-1 (_compute_default_rope_parameters).
std::vector<double> DefaultInvFreq(double base, int rotary_dim);

RopeFrequencies Default(const RopeSpec& spec);                      // "default"
RopeFrequencies Linear(const RopeSpec& spec);                       // "linear"
RopeFrequencies StaticNtk(const RopeSpec& spec);                    // not in HF
RopeFrequencies DynamicNtk(const RopeSpec& spec, int64_t seq_len);  // "dynamic"
RopeFrequencies Yarn(const RopeSpec& spec);                         // "yarn"
RopeFrequencies Llama3(const RopeSpec& spec);                       // "llama3"
RopeFrequencies LongRope(const RopeSpec& spec, int64_t seq_len);    // "longrope" (+ n_hat)

// The base the dynamic NTK kind uses at this sequence length (b' in the README).
double DynamicNtkBase(const RopeSpec& spec, int64_t seq_len);
// Whether longrope uses long_factor at this sequence length (seq_len > L).
bool LongRopeUsesLongFactors(const RopeSpec& spec, int64_t seq_len);
// YaRN's (low, high) correction range in frequency indices (find_correction_range).
struct YarnRange {
  double low = 0.0;
  double high = 0.0;
};
YarnRange YarnCorrectionRange(const RopeSpec& spec);

}  // namespace ropescale::rope_kinds
