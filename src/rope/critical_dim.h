#pragma once
// LongRoPE2's theoretical critical dimension: the first frequency index whose period
// 2*pi*b^(2i/d) reaches the pretraining length L, so lower dims saw full periods in
// pretraining and higher ones did not (arXiv 2502.20082, section 3).
#include "src/rope/rope_spec.h"

namespace ropescale {

struct CriticalDimension {
  int critical_index = 0;  // i_c = ceil((d/2) * log_b(L / (2*pi))), clamped to [0, d/2]
  int critical_dim = 0;    // d_tcd = 2 * i_c, counted in rotary dims as the paper does
};

// rotary_dim d (even, >= 2), base b > 1, train_len L > 0. A value of (d/2)*log_b(L/(2*pi))
// within 1e-9 (relative) of an integer n is taken as exactly n, so the floating-point error
// of log() cannot push an exact boundary (period == L) one index up: i_c is the smallest i
// with period >= L. Throws Error naming the bad argument.
CriticalDimension TheoreticalCriticalDimension(int rotary_dim, double base, double train_len);

// The same for a spec: its rotary_dim, base, and L (original_max_position_embeddings, or
// max_position_embeddings when L is not set).
CriticalDimension TheoreticalCriticalDimension(const RopeSpec& spec);

}  // namespace ropescale
