#pragma once
// The optimizer and schedule options that `pretrain` and `train` share (--lr, --min-lr-fraction,
// --warmup, --steps, --weight-decay, --grad-clip, --beta2), checked once the command has filled
// them in: a wrong value stops the command before any work, with a message naming the option.
#include "src/model/backend.h"
#include "src/train/lr_schedule.h"

namespace ropescale::cli {

void CheckTrainingOptions(const LrSchedule& schedule, const AdamWConfig& adamw);

}  // namespace ropescale::cli
