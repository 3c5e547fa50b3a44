#pragma once
// The operating system's cause of a failed write, for messages: a full disk must read "No space
// left on device" (ENOSPC) and a read-only mount "Read-only file system" (EROFS), not just
// "write failed".
#include <string>

namespace ropescale {

// ": <strerror>" when `error_number` is a storage failure (ENOSPC, EDQUOT, EROFS, EFBIG, EIO,
// EACCES), "" otherwise; pass errno right after the failing call.
std::string StorageCause(int error_number);

}  // namespace ropescale
