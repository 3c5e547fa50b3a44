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

// The same for an output that is a folder (a HF export, written beside it and swapped in): it is
// a folder if it exists, its parent is writable, and it neither is nor holds one of the inputs.
void CheckOutputFolder(const std::string& field, const std::string& folder,
                       const std::vector<NamedPath>& inputs);

}  // namespace ropescale
