#pragma once
// Logging to stderr through spdlog. Data results go to stdout; progress and diagnostics here.
#include <spdlog/spdlog.h>

#include <string_view>

namespace ropescale {

// Sets up the stderr logger once: level is "trace|debug|info|warn|error|off". The MPI rank,
// when >= 0, is put in front of each line so interleaved rank output stays readable.
void InitLogging(std::string_view level, int rank = -1);

}  // namespace ropescale
