#include "io/sha256.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include "src/core/error.h"

namespace ropescale {

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  Check(EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) == 1 &&
            length == 32,
        "SHA-256 of {} bytes failed (OpenSSL)", bytes.size());
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace ropescale
