#include "src/core/atomic_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "src/core/error.h"

namespace ropescale {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "-" + std::to_string(::getpid()) + ".txt"))
      .string();
}

bool AnyTemporaryLeft(const std::string& path) {
  const std::filesystem::path p(path);
  for (const auto& item : std::filesystem::directory_iterator(p.parent_path())) {
    if (item.path().filename().string().rfind(p.filename().string() + ".tmp-", 0) == 0) {
      return true;
    }
  }
  return false;
}

TEST(WriteTextAtomically, ReplacesTheFile) {
  const std::string path = TempPath("atomic");
  std::ofstream(path) << "old";
  WriteTextAtomically(path, "new\n");
  EXPECT_EQ(ReadAll(path), "new\n");
  EXPECT_FALSE(AnyTemporaryLeft(path));
  std::filesystem::remove(path);
}

TEST(WriteAtomically, AFailingWriteKeepsTheOldFileAndLeavesNoTemporary) {
  const std::string path = TempPath("atomic-fail");
  std::ofstream(path) << "good";
  EXPECT_THROW(WriteAtomically(path,
                               [](const std::string& temporary) {
                                 std::ofstream(temporary) << "half";
                                 Fail("{}: disk full", temporary);
                               }),
               Error);
  EXPECT_EQ(ReadAll(path), "good");
  EXPECT_FALSE(AnyTemporaryLeft(path));
  std::filesystem::remove(path);
}

TEST(WriteTextAtomically, AMissingFolderIsAnErrorNamingTheFile) {
  const std::string path = "/nonexistent-folder-ropescale/out.json";
  try {
    WriteTextAtomically(path, "x");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-folder-ropescale/out.json"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ropescale
