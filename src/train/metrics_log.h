#pragma once
// The per-step metrics of a training run: one JSON object per line (JSON Lines), each flushed
// when written, so `tail -f` and a plot script see every finished step. A resumed run first drops
// the lines of the steps after its checkpoint (they will be trained again), so the file never
// holds a step twice.
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace ropescale {

class MetricsLog {
 public:
  // An empty path writes nothing. Fresh run (resume_step < 0): starts an empty file. Resume:
  // keeps the lines whose "step" <= resume_step (rewritten atomically) and appends after them.
  MetricsLog(const std::string& path, int64_t resume_step);
  void Append(const nlohmann::json& line);

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace ropescale
