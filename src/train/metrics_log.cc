#include "src/train/metrics_log.h"

#include <sstream>

#include "src/core/atomic_file.h"
#include "src/core/error.h"

namespace ropescale {

MetricsLog::MetricsLog(const std::string& path, int64_t resume_step) : path_(path) {
  if (path_.empty()) return;
  std::string kept;
  if (resume_step >= 0) {
    std::ifstream in(path_);
    std::string line;
    int64_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty()) continue;
      const nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
      // A torn last line (killed mid-write) is dropped; anything else unreadable is an error.
      if (parsed.is_discarded() || !parsed.contains("step")) {
        Check(in.peek() == EOF, "{}: line {} is not a metrics record", path_, number);
        continue;
      }
      if (parsed["step"].get<int64_t>() <= resume_step) kept += line + "\n";
    }
  }
  WriteTextAtomically(path_, kept);
  out_.open(path_, std::ios::app);
  Check(out_.good(), "{}: cannot open for appending", path_);
}

void MetricsLog::Append(const nlohmann::json& line) {
  if (path_.empty()) return;
  out_ << line.dump() << '\n';
  out_.flush();
  Check(out_.good(), "{}: write failed", path_);
}

}  // namespace ropescale
