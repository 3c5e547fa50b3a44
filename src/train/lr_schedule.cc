#include "src/train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ropescale {

double LearningRate(const LrSchedule& schedule, int64_t step) {
  if (step < schedule.warmup_steps) {
    return schedule.peak * static_cast<double>(step + 1) / schedule.warmup_steps;
  }
  const double floor = schedule.peak * schedule.min_fraction;
  const int64_t decay_steps = std::max<int64_t>(1, schedule.total_steps - schedule.warmup_steps);
  const double progress =
      std::clamp(static_cast<double>(step - schedule.warmup_steps) / decay_steps, 0.0, 1.0);
  return floor + (schedule.peak - floor) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

}  // namespace ropescale
