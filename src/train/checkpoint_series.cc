#include "src/train/checkpoint_series.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "src/core/error.h"

namespace ropescale {
namespace fs = std::filesystem;

std::string SnapshotPath(const std::string& path, int64_t step) {
  const fs::path p(path);
  return (p.parent_path() /
          fmt::format("{}.step{:08d}{}", p.stem().string(), step, p.extension().string()))
      .string();
}

void WriteTrainingCheckpoint(const std::string& path, const Checkpoint& checkpoint, int64_t step,
                             int keep) {
  WriteCheckpoint(path, checkpoint);
  if (keep <= 0) return;
  const std::string snapshot = SnapshotPath(path, step);
  const std::string temporary = snapshot + fmt::format(".tmp-{}", getpid());
  std::error_code ignored;
  fs::remove(temporary, ignored);
  if (link(path.c_str(), temporary.c_str()) != 0) {
    // No hard links on this file system: copy instead.
    fs::copy_file(path, temporary, fs::copy_options::overwrite_existing);
  }
  if (std::rename(temporary.c_str(), snapshot.c_str()) != 0) {
    const int error = errno;
    fs::remove(temporary, ignored);
    Fail("{}: cannot rename {} into place: {}", snapshot, temporary, std::strerror(error));
  }
  // Older snapshots of this path beyond the newest `keep`.
  const fs::path p(path);
  const fs::path folder = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const std::string prefix = p.stem().string() + ".step";
  const std::string suffix = p.extension().string();
  std::vector<std::pair<int64_t, fs::path>> snapshots;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != prefix.size() + 8 + suffix.size() || !name.starts_with(prefix) ||
        !name.ends_with(suffix)) {
      continue;
    }
    const std::string digits = name.substr(prefix.size(), 8);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    snapshots.emplace_back(std::stoll(digits), entry.path());
  }
  std::sort(snapshots.begin(), snapshots.end());
  for (size_t i = 0; i + keep < snapshots.size(); ++i) {
    fs::remove(snapshots[i].second, ignored);
    spdlog::debug("checkpoint: removed old snapshot {}", snapshots[i].second.string());
  }
}

}  // namespace ropescale
