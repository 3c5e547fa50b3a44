#include "src/train/checkpoint_series.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <vector>

#include "src/core/atomic_file.h"
#include "src/core/error.h"

namespace ropescale {
namespace fs = std::filesystem;

namespace {

fs::path FolderOf(const fs::path& path) {
  return path.parent_path().empty() ? fs::path(".") : path.parent_path();
}

// The step of `name` when it is a snapshot name of `path` (PATH-STEM.stepN.EXT, N at least 8
// digits: a step of 10^8 or more gets a longer name and is still recognised).
std::optional<int64_t> SnapshotStep(const std::string& name, const fs::path& path) {
  const std::string prefix = path.stem().string() + ".step";
  const std::string suffix = path.extension().string();
  if (name.size() < prefix.size() + 8 + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return std::nullopt;
  }
  const std::string digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(digits);
}

}  // namespace

bool IsSnapshotOf(const std::string& candidate, const std::string& path) {
  const fs::path c(candidate);
  std::error_code error;
  return fs::equivalent(FolderOf(path), FolderOf(c), error) &&
         SnapshotStep(c.filename().string(), path).has_value();
}

Checkpoint ReadResumeCheckpoint(const std::string& path) {
  Check(fs::exists(path), "resume: no checkpoint at {}", path);
  Checkpoint checkpoint = ReadCheckpoint(path, true);
  Check(checkpoint.training.has_value(), "{}: no training state to resume from", path);
  return checkpoint;
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
  // The snapshot is a hard link to the file just written (a copy where links are not possible).
  WriteAtomically(SnapshotPath(path, step), [&](const std::string& temporary) {
    std::error_code stale;
    fs::remove(temporary, stale);  // left by a killed process with the same pid
    if (link(path.c_str(), temporary.c_str()) != 0) fs::copy_file(path, temporary);
  });
  // Snapshots past `step` belong to another history (an earlier run to the same path, or a run
  // rolled back to an older snapshot): they go, and of the rest the newest `keep` stay.
  std::vector<std::pair<int64_t, fs::path>> snapshots;
  for (const auto& entry : fs::directory_iterator(FolderOf(path))) {
    const auto snapshot_step = SnapshotStep(entry.path().filename().string(), path);
    if (snapshot_step) snapshots.emplace_back(*snapshot_step, entry.path());
  }
  std::sort(snapshots.begin(), snapshots.end());
  std::vector<fs::path> doomed;
  std::vector<fs::path> kept;
  for (const auto& [snapshot_step, file] : snapshots) {
    (snapshot_step > step ? doomed : kept).push_back(file);
  }
  for (size_t i = 0; i + keep < kept.size(); ++i) doomed.push_back(kept[i]);
  std::error_code ignored;
  for (const fs::path& file : doomed) {
    fs::remove(file, ignored);
    spdlog::debug("checkpoint: removed snapshot {}", file.string());
  }
}

}  // namespace ropescale
