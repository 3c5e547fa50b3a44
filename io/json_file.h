#pragma once
// Reading a JSON file (config.json, a rope_scaling block): one Error naming the file when it
// cannot be opened or is not valid JSON.
#include <nlohmann/json.hpp>
#include <string>

namespace ropescale {

nlohmann::json ReadJsonFile(const std::string& path);

}  // namespace ropescale
