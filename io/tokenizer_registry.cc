#include "io/tokenizer_registry.h"

#include <filesystem>

#include "io/hf_tokenizer.h"
#include "io/sentencepiece_tokenizer.h"
#include "src/core/error.h"
#include "src/core/read_file.h"

namespace ropescale {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSpecHelp =
    "expected byte, a folder holding tokenizer.json or tokenizer.model, or such a file";

bool LooksLikeJson(std::string_view bytes) {
  const size_t first = bytes.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && bytes[first] == '{';
}

}  // namespace

std::unique_ptr<Tokenizer> OpenTokenizerFromBytes(const std::string& file_name,
                                                  std::string_view bytes) {
  const std::string extension = fs::path(file_name).extension().string();
  const bool json = extension == ".json" || (extension != ".model" && LooksLikeJson(bytes));
  if (json) return std::make_unique<HfTokenizer>(file_name, bytes);
  return std::make_unique<SentencePieceTokenizer>(file_name, bytes);
}

std::unique_ptr<Tokenizer> OpenTokenizer(const std::string& spec) {
  if (spec == "byte") return std::make_unique<ByteTokenizer>();
  std::error_code error;
  Check(!spec.empty() && fs::exists(spec, error), "tokenizer '{}': no such file or folder ({})",
        spec, kSpecHelp);
  fs::path file = spec;
  if (fs::is_directory(file, error)) {
    const fs::path json = file / "tokenizer.json";
    const fs::path model = file / "tokenizer.model";
    if (fs::exists(json, error)) {
      file = json;
    } else if (fs::exists(model, error)) {
      file = model;
    } else {
      Fail("tokenizer '{}': the folder holds neither tokenizer.json nor tokenizer.model", spec);
    }
  }
  return OpenTokenizerFromBytes(file.string(), ReadFileBytes(file.string()));
}

void CheckSameTokenizer(const TokenizerIdentity& model, const TokenizerIdentity& data,
                        const std::string& data_file) {
  Check(model == data,
        "{} was tokenized with {}, but the model's tokenizer is {}: re-tokenize it with the "
        "model's tokenizer",
        data_file, DescribeTokenizer(data), DescribeTokenizer(model));
}

}  // namespace ropescale
