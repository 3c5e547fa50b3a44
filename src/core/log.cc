#include "src/core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <string>

#include "src/core/error.h"

namespace ropescale {

void InitLogging(std::string_view level, int rank) {
  auto logger = spdlog::stderr_color_mt("ropescale");
  const std::string prefix = rank >= 0 ? fmt::format("[rank {}] ", rank) : std::string();
  logger->set_pattern("[%H:%M:%S.%e] [%^%l%$] " + prefix + "%v");
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off")
    Fail("--log-level: unknown level '{}'", level);
  logger->set_level(parsed);
  spdlog::set_default_logger(logger);
}

}  // namespace ropescale
