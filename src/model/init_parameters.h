#pragma once
// Fresh weights for a model: every projection and the embedding ~ normal(0, 0.02), norm weights
// = 1. Deterministic: tensor `name` draws from CounterRng(seed, stream keyed by name), so the
// values do not depend on the order or the set of other tensors.
#include <cstdint>

#include "src/model/model_config.h"
#include "src/model/tensor.h"

namespace ropescale {

inline constexpr double kInitStddev = 0.02;

ParameterSet InitParameters(const ModelConfig& config, uint64_t seed);

}  // namespace ropescale
