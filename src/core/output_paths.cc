#include "src/core/output_paths.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "src/core/error.h"

namespace ropescale {
namespace fs = std::filesystem;

namespace {

fs::path Normal(const std::string& path) {
  std::error_code error;
  const fs::path canonical = fs::weakly_canonical(fs::path(path), error);
  return error ? fs::absolute(path).lexically_normal() : canonical;
}

}  // namespace

void CheckOutputPaths(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const auto& [field, path] = outputs[i];
    if (path.empty()) continue;
    Check(!fs::is_directory(path), "{} {}: is a folder, expected a file path", field, path);
    const fs::path folder =
        fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
    Check(fs::is_directory(folder), "{} {}: folder {} does not exist", field, path,
          folder.string());
    const fs::path probe = folder / (".ropescale-probe-" + std::to_string(getpid()));
    {
      std::ofstream out(probe);
      Check(out.good(), "{} {}: folder {} is not writable", field, path, folder.string());
    }
    std::error_code ignored;
    fs::remove(probe, ignored);
    const fs::path normal = Normal(path);
    for (const auto& [input_field, input] : inputs) {
      if (input.empty()) continue;
      Check(Normal(input) != normal, "{} {}: is also the input {}; refusing to overwrite it", field,
            path, input_field);
    }
    for (size_t j = 0; j < i; ++j) {
      if (outputs[j].second.empty()) continue;
      Check(Normal(outputs[j].second) != normal, "{} and {} are the same file {}", outputs[j].first,
            field, path);
    }
  }
}

}  // namespace ropescale
