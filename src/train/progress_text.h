#pragma once
// Numbers in progress lines and summaries: "4m05s", "1h02m" for durations (ETA), "0.9123" or "-"
// for a loss that may be undefined (NaN: no row of that kind in the step).
#include <string>

namespace ropescale {

std::string FormatDuration(double seconds);

// The loss with 4 decimals, or "-" when it is NaN.
std::string FormatLoss(double loss);

}  // namespace ropescale
