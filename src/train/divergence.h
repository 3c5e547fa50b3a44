#pragma once
// The trainers' divergence stop: a non-finite loss or gradient norm ends the run with an Error
// naming the step; nothing is written for that step, so the last checkpoint stays the last good
// one.
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "src/core/error.h"

namespace ropescale {

// trainer: "train" or "pretrain"; quantity: e.g. "training loss"; last_good: the checkpoint path.
inline void CheckNotDiverged(std::string_view trainer, int64_t step, std::string_view quantity,
                             double value, const std::string& last_good) {
  Check(std::isfinite(value),
        "{}: step {}: {} is {} (diverged); no checkpoint written for it; the last good one (if "
        "any) is {}",
        trainer, step, quantity, value, last_good);
}

}  // namespace ropescale
