#pragma once
// The HDF5 checkpoint: model config, RoPE spec, weights, and (optionally) optimizer state,
// RNG state, step, data cursor and provenance. Layout in io/README.md.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "src/model/backend.h"
#include "src/model/model_config.h"
#include "src/model/tensor.h"

namespace ropescale {

struct Provenance {
  std::string command_line;
  std::string version;
  std::string git_hash;
  std::string time_utc;  // ISO 8601
};
// The provenance of this process (command line as given to SetCommandLine, version, git hash,
// current time).
Provenance CurrentProvenance();
void SetCommandLine(int argc, char** argv);

struct TrainingState {
  OptimizerState optimizer;
  std::vector<uint64_t> rng_state;  // free-form integers owned by the trainer
  int64_t data_cursor = 0;
  int64_t tokens_seen = 0;
};

// The model's tokenizer file, carried whole so a checkpoint is self-contained: a Hugging Face
// `tokenizer.json` or a SentencePiece `tokenizer.model` (io/model_tokenizer.h opens it).
struct TokenizerFile {
  std::string file_name;  // "tokenizer.json" or "tokenizer.model"
  std::string bytes;
  bool operator==(const TokenizerFile&) const = default;
};

struct Checkpoint {
  ModelConfig config;
  std::optional<TokenizerFile> tokenizer;  // absent: the byte tokenizer
  ParameterSet weights;
  std::optional<TrainingState> training;
  Provenance provenance;
  // Storage dtype of each weight as it came from safetensors ("F32", "F16", "BF16"), so an
  // export writes the same bytes back. A weight not listed is F32.
  std::map<std::string, std::string> weight_dtypes;
};

// Writes to PATH.tmp-<pid> then renames over PATH: a crash never leaves a half checkpoint.
void WriteCheckpoint(const std::string& path, const Checkpoint& checkpoint);
// Throws Error naming the file and the field for a missing, truncated, corrupt or mismatched
// file (e.g. a weight whose shape does not match the config).
Checkpoint ReadCheckpoint(const std::string& path, bool with_training_state = true);
// The model config (and RoPE) of a checkpoint without its weights, checked as ReadCheckpoint
// checks it.
ModelConfig ReadCheckpointConfig(const std::string& path);
// The tokenizer file a checkpoint carries (checked against its SHA-256), without its weights.
std::optional<TokenizerFile> ReadCheckpointTokenizerFile(const std::string& path);

}  // namespace ropescale
