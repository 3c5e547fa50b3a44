#include "src/core/storage_cause.h"

#include <cerrno>
#include <cstring>

namespace ropescale {

std::string StorageCause(int error_number) {
  switch (error_number) {
    case ENOSPC:
    case EDQUOT:
    case EROFS:
    case EFBIG:
    case EIO:
    case EACCES:
      return std::string(": ") + std::strerror(error_number);
    default:
      return "";
  }
}

}  // namespace ropescale
