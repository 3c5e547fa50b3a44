// Provenance recorded in every output file: command line, version, git hash, UTC time.
#include <ctime>
#include <string>

#include "io/checkpoint.h"
#include "ropescale/version.h"

namespace ropescale {
namespace {

std::string& CommandLine() {
  static std::string line;
  return line;
}

}  // namespace

void SetCommandLine(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) line += ' ';
    line += argv[i];
  }
  CommandLine() = line;
}

Provenance CurrentProvenance() {
  Provenance p;
  p.command_line = CommandLine();
  p.version = kVersion;
  p.git_hash = kGitHash;
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  p.time_utc = buf;
  return p;
}

}  // namespace ropescale
