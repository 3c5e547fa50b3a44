#pragma once
// Where tests/fixtures/rope lives: $ROPESCALE_SOURCE_DIR (set by CTest), else next to this file.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace ropescale::testing {

inline std::filesystem::path RopeFixtureDir() {
  if (const char* root = std::getenv("ROPESCALE_SOURCE_DIR")) {
    return std::filesystem::path(root) / "tests" / "fixtures" / "rope";
  }
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "fixtures" / "rope";
}

inline nlohmann::json ReadFixture(const std::string& name) {
  std::ifstream in(RopeFixtureDir() / name);
  if (!in) throw std::runtime_error("cannot open fixture " + name);
  return nlohmann::json::parse(in);
}

}  // namespace ropescale::testing
