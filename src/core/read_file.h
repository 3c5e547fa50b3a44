#pragma once
// Reading a whole file into memory, one Error naming it when it cannot be read.
#include <string>

namespace ropescale {

// The bytes of the file at `path`. Throws Error "<path>: cannot read: <reason>" when it is
// missing, a folder or unreadable.
std::string ReadFileBytes(const std::string& path);

}  // namespace ropescale
