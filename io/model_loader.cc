#include "io/model_loader.h"

#include <filesystem>

#include "io/hf_model.h"
#include "src/core/error.h"

namespace ropescale {

bool IsHfModelPath(const std::string& path) {
  const std::filesystem::path p(path);
  return std::filesystem::is_directory(p) || p.filename() == "config.json";
}

Checkpoint LoadModel(const std::string& path) {
  Check(std::filesystem::exists(path), "{}: no such file or folder", path);
  if (IsHfModelPath(path)) return ReadHfModel(path);
  return ReadCheckpoint(path, /*with_training_state=*/false);
}

}  // namespace ropescale
