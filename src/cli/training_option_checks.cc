#include "src/cli/training_option_checks.h"

#include <cmath>

#include "src/core/error.h"

namespace ropescale::cli {

void CheckTrainingOptions(const LrSchedule& schedule, const AdamWConfig& adamw) {
  Check(std::isfinite(schedule.peak) && schedule.peak > 0.0 && schedule.peak <= 1.0,
        "--lr: {} is outside (0, 1]", schedule.peak);
  Check(std::isfinite(schedule.min_fraction) && schedule.min_fraction >= 0.0 &&
            schedule.min_fraction <= 1.0,
        "--min-lr-fraction: {} is outside [0, 1]", schedule.min_fraction);
  Check(schedule.total_steps >= 1, "--steps: {} < 1", schedule.total_steps);
  Check(schedule.warmup_steps >= 0, "--warmup: {} < 0", schedule.warmup_steps);
  Check(std::isfinite(adamw.weight_decay) && adamw.weight_decay >= 0.0,
        "--weight-decay: {} is not a number >= 0", adamw.weight_decay);
  Check(std::isfinite(adamw.grad_clip), "--grad-clip: {} is not a number", adamw.grad_clip);
  Check(std::isfinite(adamw.beta2) && adamw.beta2 > 0.0 && adamw.beta2 < 1.0,
        "--beta2: {} is outside (0, 1)", adamw.beta2);
}

}  // namespace ropescale::cli
