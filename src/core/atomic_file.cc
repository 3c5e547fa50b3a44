#include "src/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "src/core/error.h"
#include "src/core/storage_cause.h"

namespace ropescale {
namespace {

// Makes the written bytes durable before the rename publishes them.
void SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void WriteAtomically(const std::string& path,
                     const std::function<void(const std::string& temporary)>& write) {
  const std::string temporary = fmt::format("{}.tmp-{}", path, ::getpid());
  try {
    write(temporary);
    SyncFile(temporary);
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
      Fail("{}: cannot move the written file into place: {}", path, std::strerror(errno));
    }
  } catch (...) {
    std::remove(temporary.c_str());
    throw;
  }
}

void WriteTextAtomically(const std::string& path, std::string_view text) {
  WriteAtomically(path, [&](const std::string& temporary) {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    Check(out.good(), "{}: cannot create: {}", temporary, std::strerror(errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    Check(out.good(), "{}: write failed{}", temporary, StorageCause(errno));
  });
}

}  // namespace ropescale
