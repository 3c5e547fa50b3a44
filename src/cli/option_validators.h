#pragma once
// CLI11 validators shared by the commands.
#include <CLI/CLI.hpp>
#include <string>

namespace ropescale::cli {

// For unsigned options (seeds): CLI11 would wrap "-1" around to 2^64 - 1; refuse it instead.
inline CLI::Validator NonNegativeInteger() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return value.empty() || value.front() == '-' ? "must be an integer >= 0, got " + value
                                                     : std::string();
      },
      "INTEGER >= 0");
}

}  // namespace ropescale::cli
