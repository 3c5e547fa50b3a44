// Theoretical critical dimension of LongRoPE2.
#include "src/rope/critical_dim.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "src/core/error.h"

namespace ropescale {

CriticalDimension TheoreticalCriticalDimension(int rotary_dim, double base, double train_len) {
  Check(rotary_dim >= 2 && rotary_dim % 2 == 0,
        "critical dim: head dim (rotary dims) must be even and >= 2, got {}", rotary_dim);
  Check(std::isfinite(base) && base > 1.0, "critical dim: base must be > 1, got {}", base);
  Check(std::isfinite(train_len) && train_len > 0.0,
        "critical dim: train length must be > 0, got {}", train_len);
  const int half = rotary_dim / 2;
  const double exact = half * std::log(train_len / (2.0 * std::numbers::pi)) / std::log(base);
  const double nearest = std::round(exact);
  const double tolerance = 1e-9 * std::max(1.0, std::abs(exact));
  const double snapped = std::abs(exact - nearest) <= tolerance ? nearest : exact;
  const double index = std::clamp(std::ceil(snapped), 0.0, static_cast<double>(half));
  CriticalDimension out;
  out.critical_index = static_cast<int>(index);
  out.critical_dim = 2 * out.critical_index;
  return out;
}

CriticalDimension TheoreticalCriticalDimension(const RopeSpec& spec) {
  const int context = spec.original_max_position_embeddings > 0
                          ? spec.original_max_position_embeddings
                          : spec.max_position_embeddings;
  Check(context > 0,
        "critical dim: the spec has neither original_max_position_embeddings nor "
        "max_position_embeddings");
  return TheoreticalCriticalDimension(spec.rotary_dim(), spec.base, context);
}

}  // namespace ropescale
