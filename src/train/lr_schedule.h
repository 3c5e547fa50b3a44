#pragma once
// Learning-rate schedule of the pretrainer: linear warm-up, then cosine decay to a floor.
#include <cstdint>

namespace ropescale {

struct LrSchedule {
  double peak = 2e-3;         // reached at the end of the warm-up
  double min_fraction = 0.1;  // the cosine ends at peak * min_fraction
  int64_t warmup_steps = 100;
  int64_t total_steps = 1000;
};

// Learning rate of step `step` (0-based): peak * (step + 1) / warmup during the warm-up, then
// min + (peak - min) * (1 + cos(pi * p)) / 2 with p = (step - warmup) / (total - warmup).
double LearningRate(const LrSchedule& schedule, int64_t step);

}  // namespace ropescale
