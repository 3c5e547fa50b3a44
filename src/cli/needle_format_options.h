#pragma once
// The needle-format options of the commands that build pass-key documents for training
// (pretrain, train): --needle-formats and --digits, and their translation into formats.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>
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

// A comma-separated list of needle depths in [0, 1] (eval passkey, documents --depths); throws
// Error naming `field` for a value outside [0, 1] or a depth given twice.
std::vector<std::optional<double>> ParseDepthList(const std::string& text, std::string_view field);

}  // namespace ropescale::cli
