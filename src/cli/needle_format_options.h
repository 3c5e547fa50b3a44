#pragma once
// The needle-format options of the commands that build pass-key documents for training
// (pretrain, train): --needle-formats and --digits, and their translation into formats.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "src/eval/needle_format.h"

namespace ropescale::cli {

struct NeedleFormatOptions {
  std::string formats = "passkey";
  int digits = 0;  // 0 = each format's default
};

void AddNeedleFormatOptions(CLI::App& command, NeedleFormatOptions& options);

// Throws Error naming the option for an unknown or repeated format or digits outside [0, 18].
std::vector<NeedleFormat> NeedleFormatsFrom(const NeedleFormatOptions& options);

}  // namespace ropescale::cli
