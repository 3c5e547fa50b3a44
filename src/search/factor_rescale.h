#pragma once
// Rescaling factors searched for one scale to another (LongRoPE's progressive extension: the
// factors of the previous stage seed the next, larger search).
#include <vector>

namespace ropescale::search {

// The authors' linear rescaling: lambda' = 1 + (lambda - 1) (to - 1) / (from - 1), which keeps
// factor 1 (no interpolation) at 1 and maps the old scale s = from onto the new one. `from`
// must be > 1 (factors for s = 1 carry no direction to stretch) and `to` >= 1; throws Error
// naming the scale otherwise.
std::vector<double> RescaleFactorsLinearly(const std::vector<double>& factors, double from_scale,
                                           double to_scale);

}  // namespace ropescale::search
