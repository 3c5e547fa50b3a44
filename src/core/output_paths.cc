#include "src/core/output_paths.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "src/core/error.h"

namespace ropescale {
namespace fs = std::filesystem;

namespace {

fs::path Normal(const std::string& path) {
  std::error_code error;
  const fs::path canonical = fs::weakly_canonical(fs::path(path), error);
  const fs::path normal = error ? fs::absolute(path).lexically_normal() : canonical;
  return normal.has_filename() ? normal : normal.parent_path();  // "out/" names "out"
}

// Creates and removes a probe file in `folder`; the Error names the cause (e.g. "Read-only file
// system", "Permission denied", "No space left on device").
void CheckWritable(const std::string& field, const std::string& path, const fs::path& folder) {
  const fs::path probe = folder / (".ropescale-probe-" + std::to_string(getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  const int cause = errno;
  Check(fd >= 0, "{} {}: folder {} is not writable: {}", field, path, folder.string(),
        std::strerror(cause));
  const bool written = ::write(fd, "x", 1) == 1;
  const int write_cause = errno;
  ::close(fd);
  ::unlink(probe.c_str());
  Check(written, "{} {}: folder {} is not writable: {}", field, path, folder.string(),
        std::strerror(write_cause));
}

// The folder a model path names: a HF folder's config.json stands for the folder.
fs::path ModelFolder(const std::string& path) {
  const fs::path normal = Normal(path);
  return normal.filename() == "config.json" ? normal.parent_path() : normal;
}

}  // namespace

void CheckOutputFolder(const std::string& field, const std::string& folder,
                       const std::vector<NamedPath>& inputs) {
  if (folder.empty()) return;
  Check(!fs::exists(folder) || fs::is_directory(folder), "{} {}: exists and is not a folder", field,
        folder);
  const fs::path normal = Normal(folder);
  CheckWritable(field, folder, normal.parent_path());
  for (const auto& [input_field, input] : inputs) {
    if (input.empty()) continue;
    const fs::path input_folder = ModelFolder(input);
    Check(input_folder != normal && Normal(input).parent_path() != normal,
          "{} {}: holds the input {} {}; refusing to overwrite it", field, folder, input_field,
          input);
  }
}

void CheckOutputPaths(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const auto& [field, path] = outputs[i];
    if (path.empty()) continue;
    Check(!fs::is_directory(path), "{} {}: is a folder, expected a file path", field, path);
    const fs::path folder =
        fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
    Check(fs::is_directory(folder), "{} {}: folder {} does not exist", field, path,
          folder.string());
    CheckWritable(field, path, folder);
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
