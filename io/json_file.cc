#include "io/json_file.h"

#include <fstream>

#include "src/core/error.h"

namespace ropescale {

nlohmann::json ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  Check(in.good(), "{}: cannot open", path);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // also out_of_range: a number too large
    Fail("{}: not valid JSON: {}", path, e.what());
  }
}

}  // namespace ropescale
