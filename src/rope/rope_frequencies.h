#pragma once
// Inverse frequencies and attention scale for each kind, exactly as Hugging Face
// transformers' modeling_rope_utils.py computes them (one function per kind inside).
#include <cstdint>
#include <vector>

#include "src/rope/rope_spec.h"

namespace ropescale {

struct RopeFrequencies {
  std::vector<double> inv_freq;    // rotary_dim / 2 entries
  double attention_scaling = 1.0;  // multiplies cos and sin
  // longrope with n_hat > 0: positions < n_hat use these (the original frequencies).
  std::vector<double> inv_freq_leading;
  int n_hat = 0;
};

// seq_len is the length HF would see (max position id + 1): it selects short/long factors
// for longrope and the base of dynamic NTK. Other kinds ignore it.
RopeFrequencies ComputeRopeFrequencies(const RopeSpec& spec, int64_t seq_len);

// cos/sin tables for positions 0..num_positions-1, already multiplied by attention_scaling
// and by spec.frequency_scale[i] (when set):
// cos[p * half + i], sin[p * half + i] with half = rotary_dim / 2. This is what a backend
// applies: pair (j, j + half) of each head's first rotary_dim dims is rotated (HF rotate_half).
struct RopeTable {
  int num_positions = 0;
  int half = 0;
  std::vector<float> cos;
  std::vector<float> sin;
};
RopeTable BuildRopeTable(const RopeSpec& spec, int num_positions, int64_t seq_len);

}  // namespace ropescale
