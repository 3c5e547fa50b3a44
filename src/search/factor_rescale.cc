#include "src/search/factor_rescale.h"

#include <cmath>

#include "src/core/error.h"

namespace ropescale::search {

std::vector<double> RescaleFactorsLinearly(const std::vector<double>& factors, double from_scale,
                                           double to_scale) {
  Check(std::isfinite(from_scale) && from_scale > 1.0,
        "factor rescaling: the scale the factors were searched for is {} (must be > 1)",
        from_scale);
  Check(std::isfinite(to_scale) && to_scale >= 1.0,
        "factor rescaling: the new scale is {} (must be >= 1)", to_scale);
  const double stretch = (to_scale - 1.0) / (from_scale - 1.0);
  std::vector<double> rescaled(factors.size());
  for (size_t i = 0; i < factors.size(); ++i) rescaled[i] = 1.0 + (factors[i] - 1.0) * stretch;
  return rescaled;
}

}  // namespace ropescale::search
