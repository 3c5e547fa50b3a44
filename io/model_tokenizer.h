#pragma once
// The tokenizer a model reads: the tokenizer file its checkpoint carries (a Hugging Face
// tokenizer.json or a SentencePiece tokenizer.model, taken from the HF folder it was converted
// from or given to `pretrain --tokenizer`), else the byte tokenizer of the embedded model.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "io/checkpoint.h"
#include "io/tokenizer.h"

namespace ropescale {

// Throws Error naming `model_path` when the tokenizer cannot be opened or its ids do not fit the
// model's vocabulary (a tokenizer larger than vocab_size; a padded vocabulary is fine).
std::unique_ptr<Tokenizer> ModelTokenizer(const std::optional<TokenizerFile>& file,
                                          int64_t vocab_size, const std::string& model_path);
inline std::unique_ptr<Tokenizer> ModelTokenizer(const Checkpoint& checkpoint,
                                                 const std::string& model_path) {
  return ModelTokenizer(checkpoint.tokenizer, checkpoint.config.vocab_size, model_path);
}
// The tokenizer of the model at `model_path` (an .h5 or a HF folder) without loading its weights.
std::unique_ptr<Tokenizer> LoadModelTokenizer(const std::string& model_path);

// The file of the tokenizer named by `spec` (OpenTokenizer's: a folder with tokenizer.json or
// tokenizer.model, or such a file) to carry in a checkpoint; std::nullopt for "byte".
std::optional<TokenizerFile> TokenizerFileFromSpec(const std::string& spec);

}  // namespace ropescale
