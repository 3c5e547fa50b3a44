#pragma once
// Checks on the output files of a command, made before any long work starts: each output's
// folder exists and is writable, the output is not a folder, and no output is one of the inputs
// (or another output). Errors name the field (e.g. "--out") and the path.
#include <string>
#include <utility>
#include <vector>

namespace ropescale {

using NamedPath = std::pair<std::string, std::string>;  // (field, path); empty paths are skipped

void CheckOutputPaths(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs);

}  // namespace ropescale
