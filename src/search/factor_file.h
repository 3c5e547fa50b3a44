#pragma once
// Factor files: --init-factors (CSV or JSON) in, the --out rope_scaling JSON out.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ropescale::search {

// What a factor file holds: the factors and, in a JSON object (a --out block or a config's
// rope_scaling), its `attention_factor` and ropescale's `frequency_scale` when present.
struct ScalingFile {
  std::vector<double> long_factor;
  std::optional<double> attention_factor;
  std::vector<double> frequency_scale;  // empty = not given
};
// As ReadFactorFile, plus the attention fields. Throws Error naming the file and field.
ScalingFile ReadScalingFile(const std::string& path);

// Reads rescale factors from `path`: JSON (a list of numbers, an object with `field`, or a
// config with "rope_scaling": {field: ...}; field is "long_factor" or "short_factor") or
// CSV/plain text (numbers separated by commas, spaces or new lines; '#' starts a comment).
// Throws Error naming the file.
std::vector<double> ReadFactorFile(const std::string& path, std::string_view field = "long_factor");

}  // namespace ropescale::search
