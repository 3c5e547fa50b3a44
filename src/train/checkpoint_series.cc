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

namespace {

bool IsSnapshotName(const std::string& name, const std::string& prefix, const std::string& suffix) {
  if (name.size() < prefix.size() + 8 + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return false;
  }
  const auto begin = name.begin() + static_cast<std::ptrdiff_t>(prefix.size());
  const auto end = name.end() - static_cast<std::ptrdiff_t>(suffix.size());
  return std::all_of(begin, end, [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool IsSnapshotOf(const std::string& candidate, const std::string& path) {
  const fs::path p(path), c(candidate);
  const fs::path folder = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const fs::path candidate_folder = c.parent_path().empty() ? fs::path(".") : c.parent_path();
  std::error_code error;
  if (!fs::equivalent(folder, candidate_folder, error)) return false;
  return IsSnapshotName(c.filename().string(), p.stem().string() + ".step", p.extension().string());
}

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
  // Any number of digits: a step of 10^8 or more gets a longer name and is still pruned.
  std::vector<std::pair<int64_t, fs::path>> snapshots;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (!IsSnapshotName(name, prefix, suffix)) continue;
    const std::string digits =
        name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    snapshots.emplace_back(std::stoll(digits), entry.path());
  }
  // Snapshots past `step` belong to another history (an earlier run to the same path, or a run
  // rolled back to an older snapshot): they go, and of the rest the newest `keep` stay.
  std::sort(snapshots.begin(), snapshots.end());
  std::vector<fs::path> doomed;
  std::vector<fs::path> kept;
  for (const auto& [snapshot_step, file] : snapshots) {
    (snapshot_step > step ? doomed : kept).push_back(file);
  }
  for (size_t i = 0; i + keep < kept.size(); ++i) doomed.push_back(kept[i]);
  for (const fs::path& file : doomed) {
    fs::remove(file, ignored);
    spdlog::debug("checkpoint: removed snapshot {}", file.string());
  }
}

}  // namespace ropescale
