#include "src/train/progress_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ropescale {

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  const int64_t s = static_cast<int64_t>(std::max(0.0, seconds));
  if (s >= 3600) return fmt::format("{}h{:02d}m", s / 3600, (s % 3600) / 60);
  return fmt::format("{}m{:02d}s", s / 60, s % 60);
}

}  // namespace ropescale

namespace ropescale {

std::string FormatLoss(double loss) { return std::isnan(loss) ? "-" : fmt::format("{:.4f}", loss); }

}  // namespace ropescale
