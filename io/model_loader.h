#pragma once
// One entry point for every command that reads a model: an HDF5 checkpoint (.h5) or a Hugging
// Face folder (or its config.json).
#include <string>

#include "io/checkpoint.h"

namespace ropescale {

// True when `path` names a Hugging Face model (a folder, or a file called config.json).
bool IsHfModelPath(const std::string& path);

// Loads weights and config (no training state). Errors name the file and the field; a weight
// holding NaN or Inf is an error naming the weight (every command that reads a model refuses
// it instead of printing NaN losses with exit 0).
Checkpoint LoadModel(const std::string& path);

// The model config alone (an .h5's /config and /rope, a HF folder's config.json): no weights
// are read. Errors as LoadModel's.
ModelConfig LoadModelConfig(const std::string& path);

// The tokenizer file the model carries (none: the byte tokenizer); no weights are read.
std::optional<TokenizerFile> LoadModelTokenizerFile(const std::string& path);
// Throws Error naming `path`, the weight and the element when a weight is NaN or infinite.
void CheckFiniteWeights(const std::string& path, const ParameterSet& weights);

}  // namespace ropescale
