#include "src/core/atomic_folder.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "src/core/error.h"

namespace ropescale {
namespace fs = std::filesystem;
namespace {

// Carries the old folder's kept entries that the new one lacks into the staging folder.
void CarryOver(const fs::path& old_folder, const fs::path& staging,
               const std::function<bool(const std::string&)>& keep) {
  for (const auto& item : fs::directory_iterator(old_folder)) {
    const std::string name = item.path().filename().string();
    if (!keep(name) || fs::exists(staging / name)) continue;
    std::error_code error;
    if (item.is_regular_file()) fs::create_hard_link(item.path(), staging / name, error);
    if (!item.is_regular_file() || error) {
      error.clear();
      fs::copy(item.path(), staging / name, fs::copy_options::recursive, error);
    }
    Check(!error, "{}: cannot carry {} over into the new folder: {}", old_folder.string(), name,
          error.message());
  }
}

}  // namespace

void WriteFolderAtomically(const std::string& folder,
                           const std::function<void(const std::string& staging)>& write,
                           const std::function<bool(const std::string& file_name)>& keep) {
  const fs::path target = fs::path(folder).lexically_normal();
  const fs::path path = target.has_filename() ? target : target.parent_path();
  const std::string staging = fmt::format("{}.tmp-{}", path.string(), ::getpid());
  const std::string old = fmt::format("{}.old-{}", path.string(), ::getpid());
  std::error_code error;
  const bool exists = fs::exists(path, error);
  Check(!exists || fs::is_directory(path), "{}: exists and is not a folder", folder);
  try {
    fs::remove_all(staging, error);
    fs::create_directories(staging, error);
    Check(!error, "{}: cannot create the folder: {}", staging, error.message());
    write(staging);
    if (exists) CarryOver(path, staging, keep);
  } catch (...) {
    fs::remove_all(staging, error);
    throw;
  }
  if (exists && std::rename(path.c_str(), old.c_str()) != 0) {
    const std::string cause = std::strerror(errno);
    fs::remove_all(staging, error);
    Fail("{}: cannot move the old folder aside: {}", folder, cause);
  }
  if (std::rename(staging.c_str(), path.c_str()) != 0) {
    const std::string cause = std::strerror(errno);
    if (exists) std::rename(old.c_str(), path.c_str());  // put the old folder back
    fs::remove_all(staging, error);
    Fail("{}: cannot move the written folder into place: {}", folder, cause);
  }
  if (exists) fs::remove_all(old, error);
}

}  // namespace ropescale
