#pragma once
// When a loop is worth an OpenMP team: below this much work (elements touched), forking threads
// costs more than it saves, and on a busy machine it can cost a lot more.
#include <cstdint>

namespace ropescale::cpu {

inline constexpr int64_t kMinParallelWork = 1 << 15;

}  // namespace ropescale::cpu
