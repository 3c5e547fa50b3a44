#include "io/model_loader.h"

#include <cmath>
#include <filesystem>

#include "io/hf_model.h"
#include "src/core/error.h"

namespace ropescale {

bool IsHfModelPath(const std::string& path) {
  const std::filesystem::path p(path);
  return std::filesystem::is_directory(p) || p.filename() == "config.json";
}

void CheckFiniteWeights(const std::string& path, const ParameterSet& weights) {
  for (const auto& [name, tensor] : weights) {
    for (size_t i = 0; i < tensor.data.size(); ++i) {
      Check(std::isfinite(tensor.data[i]),
            "{}: weight {} holds {} at element {}: the model is damaged (or diverged in "
            "training); nothing it computes would mean anything",
            path, name, tensor.data[i], i);
    }
  }
}

Checkpoint LoadModel(const std::string& path) {
  Check(std::filesystem::exists(path), "{}: no such file or folder", path);
  Checkpoint checkpoint =
      IsHfModelPath(path) ? ReadHfModel(path) : ReadCheckpoint(path, /*with_training_state=*/false);
  CheckFiniteWeights(path, checkpoint.weights);
  return checkpoint;
}

ModelConfig LoadModelConfig(const std::string& path) {
  Check(std::filesystem::exists(path), "{}: no such file or folder", path);
  return IsHfModelPath(path) ? ReadHfModelConfig(path) : ReadCheckpointConfig(path);
}

std::optional<TokenizerFile> LoadModelTokenizerFile(const std::string& path) {
  Check(std::filesystem::exists(path), "{}: no such file or folder", path);
  return IsHfModelPath(path) ? ReadHfTokenizerFile(path) : ReadCheckpointTokenizerFile(path);
}

}  // namespace ropescale
