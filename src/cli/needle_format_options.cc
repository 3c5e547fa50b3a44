#include "src/cli/needle_format_options.h"

#include <algorithm>

#include "src/core/comma_list.h"
#include "src/core/error.h"

namespace ropescale::cli {

void AddNeedleFormatOptions(CLI::App& command, NeedleFormatOptions& options) {
  command
      .add_option("--needle-formats", options.formats,
                  "formats of the pass-key documents, comma-separated: passkey, magic-number, kv "
                  "(each document picks one)")
      ->capture_default_str();
  command
      .add_option("--digits", options.digits,
                  "digits of a key (0: the format's default, 5 for passkey and kv, 7 for "
                  "magic-number)")
      ->capture_default_str();
}

std::vector<NeedleFormat> NeedleFormatsFrom(const NeedleFormatOptions& options) {
  Check(options.digits >= 0 && options.digits <= 18, "--digits: {} is outside [0, 18]",
        options.digits);
  return ParseNeedleFormatList(options.formats, "--needle-formats", options.digits);
}

std::vector<std::optional<double>> ParseDepthList(const std::string& text, std::string_view field) {
  std::vector<std::optional<double>> depths;
  for (double depth : ParseNumberList(text, field, 0.0, 1.0)) {
    Check(std::find(depths.begin(), depths.end(), depth) == depths.end(), "{}: {} twice", field,
          depth);
    depths.push_back(depth);
  }
  return depths;
}

}  // namespace ropescale::cli
