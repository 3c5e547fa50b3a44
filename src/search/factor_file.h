#pragma once
// Factor files: --init-factors (CSV or JSON) in, the --out rope_scaling JSON out.
#include <string>
#include <string_view>
#include <vector>

namespace ropescale::search {

// Reads rescale factors from `path`: JSON (a list of numbers, an object with `field`, or a
// config with "rope_scaling": {field: ...}; field is "long_factor" or "short_factor") or
// CSV/plain text (numbers separated by commas, spaces or new lines; '#' starts a comment).
// Throws Error naming the file.
std::vector<double> ReadFactorFile(const std::string& path, std::string_view field = "long_factor");

}  // namespace ropescale::search
