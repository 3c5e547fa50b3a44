#pragma once
// SHA-256 (OpenSSL's libcrypto), for identities such as a tokenizer file's "sha256:<hex>".
#include <string>
#include <string_view>

namespace ropescale {

// The 64 lower-case hex digits of SHA-256(bytes).
std::string Sha256Hex(std::string_view bytes);

}  // namespace ropescale
