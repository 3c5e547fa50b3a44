#pragma once
// Errors are values with context: every message names what failed and where (file, field,
// rank). The CLI prints one line and exits non-zero; nothing else catches them.
#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace ropescale {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

template <typename... Args>
[[noreturn]] void Fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void Check(bool condition, fmt::format_string<Args...> format, Args&&... args) {
  if (!condition) throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace ropescale
