// `ropescale tokenize`: a folder of *.txt files -> one token-shard file (io/token_shards.h), so
// training reads tokens instead of re-tokenizing text.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "io/checkpoint.h"
#include "io/token_shards.h"
#include "io/tokenizer.h"
#include "io/tokenizer_registry.h"
#include "src/cli/commands.h"
#include "src/core/error.h"
#include "src/core/output_paths.h"
#include "src/eval/corpus.h"

namespace ropescale::cli {
namespace {

struct TokenizeOptions {
  std::string input;
  std::string output;
  std::string tokenizer = "byte";
  bool json = false;
};

// Refuses an output that is a folder, or that is (or would become) one of the input's *.txt
// documents.
void CheckOutput(const TokenizeOptions& options) {
  namespace fs = std::filesystem;
  std::error_code error;
  Check(!fs::is_directory(options.output, error), "tokenize: --out {} is a folder, expected a file",
        options.output);
  const fs::path output = fs::weakly_canonical(options.output, error);
  const fs::path input = fs::weakly_canonical(options.input, error);
  Check(!(output.parent_path() == input && output.extension() == ".txt"),
        "tokenize: --out {} is a *.txt file inside --input {} (an input document)", options.output,
        options.input);
}

// Moves the documents' tokens into one array, releasing each document once copied.
TokenShards ShardsFromCorpus(Corpus corpus) {
  TokenShards shards;
  shards.tokens.reserve(static_cast<size_t>(corpus.TotalTokens()));
  shards.doc_offsets.reserve(corpus.documents.size() + 1);
  shards.doc_names.reserve(corpus.documents.size());
  shards.doc_offsets.push_back(0);
  for (Document& document : corpus.documents) {
    shards.tokens.insert(shards.tokens.end(), document.tokens.begin(), document.tokens.end());
    shards.doc_offsets.push_back(shards.NumTokens());
    shards.doc_names.push_back(std::move(document.name));
    std::vector<int32_t>().swap(document.tokens);
  }
  return shards;
}

void RunTokenize(const TokenizeOptions& options) {
  CheckOutput(options);
  CheckOutputPaths({{"--out", options.output}},
                   {{"--input", options.input}, {"--tokenizer", options.tokenizer}});
  const std::unique_ptr<Tokenizer> tokenizer = OpenTokenizer(options.tokenizer);
  const TokenizerIdentity identity = tokenizer->Identity();
  spdlog::info("tokenize: reading {} with {}", options.input, DescribeTokenizer(identity));
  TokenShards shards = ShardsFromCorpus(ReadCorpus(options.input, *tokenizer));
  shards.tokenizer_name = identity.name;
  shards.vocab_size = identity.vocab_size;
  shards.tokenizer_identity = identity.identity;
  shards.source = options.input;
  shards.provenance = CurrentProvenance();
  WriteTokenShards(options.output, shards);

  const char* dtype = TokenStorageType(shards.vocab_size);
  if (options.json) {
    nlohmann::json result;
    result["output"] = options.output;
    result["source"] = options.input;
    result["documents"] = shards.NumDocuments();
    result["tokens"] = shards.NumTokens();
    result["dtype"] = dtype;
    result["tokenizer"] = shards.tokenizer_name;
    result["vocab_size"] = shards.vocab_size;
    result["tokenizer_identity"] = shards.tokenizer_identity;
    std::cout << result.dump() << "\n";
  } else {
    std::cout << fmt::format("wrote {}: {} documents, {} tokens ({}, tokenizer {})\n",
                             options.output, shards.NumDocuments(), shards.NumTokens(), dtype,
                             DescribeTokenizer(identity));
  }
}

}  // namespace

void AddTokenizeCommand(CLI::App& app) {
  auto options = std::make_shared<TokenizeOptions>();
  CLI::App* command = app.add_subcommand(
      "tokenize",
      "Tokenize every *.txt file of a folder (sorted by name, empty files skipped) into one "
      "token-shard HDF5 file (format ropescale-tokens, see io/README.md)");
  command->add_option("--input", options->input, "folder of *.txt documents")->required();
  command->add_option("--out", options->output, "the token-shard file to write, e.g. train.h5")
      ->required();
  command
      ->add_option("--tokenizer", options->tokenizer,
                   "byte (token = byte value, vocab 256), or a folder holding tokenizer.json "
                   "(Hugging Face; preferred when both are there) or tokenizer.model "
                   "(SentencePiece), or the path of such a file. A tokenizer.json runs in a "
                   "python3 child with the `tokenizers` package: the environment variable "
                   "ROPESCALE_TOKENIZER_PYTHON, else the repository's .venv made by "
                   "env/install-deps.sh, else /usr/bin/python3. The shards record the "
                   "tokenizer's name, vocabulary size and sha256")
      ->capture_default_str();
  command->add_flag("--json", options->json, "print one JSON object")->capture_default_str();
  command->callback([options] { RunTokenize(*options); });
}

}  // namespace ropescale::cli
