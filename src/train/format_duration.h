#pragma once
// "4m05s", "1h02m": durations in progress lines (ETA).
#include <string>

namespace ropescale {

std::string FormatDuration(double seconds);

}  // namespace ropescale
