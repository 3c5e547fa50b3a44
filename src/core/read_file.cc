#include "src/core/read_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "src/core/error.h"

namespace ropescale {

std::string ReadFileBytes(const std::string& path) {
  std::error_code error;
  Check(!std::filesystem::is_directory(path, error), "{}: cannot read: it is a folder", path);
  std::ifstream in(path, std::ios::binary);
  Check(in.good(), "{}: cannot read: {}", path, strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Check(!in.bad(), "{}: cannot read: {}", path, strerror(errno));
  return bytes;
}

}  // namespace ropescale
