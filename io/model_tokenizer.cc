#include "io/model_tokenizer.h"

#include <filesystem>

#include "io/model_loader.h"
#include "io/tokenizer_registry.h"
#include "src/core/error.h"
#include "src/core/read_file.h"

namespace ropescale {

std::unique_ptr<Tokenizer> ModelTokenizer(const std::optional<TokenizerFile>& file,
                                          int64_t vocab_size, const std::string& model_path) {
  std::unique_ptr<Tokenizer> tokenizer;
  if (file) {
    try {
      tokenizer = OpenTokenizerFromBytes(file->file_name, file->bytes);
    } catch (const Error& e) {
      Fail("{}: cannot open the model's {}: {}", model_path, file->file_name, e.what());
    }
  } else {
    tokenizer = std::make_unique<ByteTokenizer>();
  }
  Check(tokenizer->VocabSize() <= vocab_size,
        "{}: the tokenizer {} has more tokens than the model's vocabulary of {}{}", model_path,
        DescribeTokenizer(tokenizer->Identity()), vocab_size,
        file ? ""
             : " (the model carries no tokenizer file: convert it from a Hugging "
               "Face folder holding tokenizer.json or tokenizer.model)");
  return tokenizer;
}

std::unique_ptr<Tokenizer> LoadModelTokenizer(const std::string& model_path) {
  return ModelTokenizer(LoadModelTokenizerFile(model_path), LoadModelConfig(model_path).vocab_size,
                        model_path);
}

std::optional<TokenizerFile> TokenizerFileFromSpec(const std::string& spec) {
  namespace fs = std::filesystem;
  if (spec == "byte") return std::nullopt;
  OpenTokenizer(spec);  // refuses anything that is not a tokenizer, naming it
  fs::path path = spec;
  if (fs::is_directory(path)) {
    path = fs::is_regular_file(path / "tokenizer.json") ? path / "tokenizer.json"
                                                        : path / "tokenizer.model";
  }
  std::string name = path.filename().string();
  if (name != "tokenizer.json" && name != "tokenizer.model") {
    name = path.extension() == ".model" ? "tokenizer.model" : "tokenizer.json";
  }
  return TokenizerFile{name, ReadFileBytes(path.string())};
}

}  // namespace ropescale
