// `ropescale documents`: builds the evaluation-document file (src/eval/document_file.h) once, in
// the model's tokenizer: needle documents per (format, length, depth) and perplexity windows per
// length, so that `search`, `eval` and `train` all score the same documents.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "io/model_tokenizer.h"
#include "io/tokenizer.h"
#include "io/tokenizer_registry.h"
#include "src/cli/commands.h"
#include "src/cli/needle_format_options.h"
#include "src/cli/option_validators.h"
#include "src/core/comma_list.h"
#include "src/core/error.h"
#include "src/core/output_paths.h"
#include "src/eval/corpus.h"
#include "src/eval/document_file.h"
#include "src/eval/needle_format.h"

namespace ropescale::cli {
namespace {

struct DocumentsOptions {
  std::string corpus = "data/corpus/heldout";
  std::string model;      // the tokenizer of this model
  std::string tokenizer;  // or this one ("" = byte)
  std::string lengths;
  int docs = 10;
  std::string depths;  // empty: --depth-count, or random per document
  int depth_count = 0;
  std::string formats = "passkey";
  int digits = 0;
  int windows = 0;
  uint64_t seed = 1234;
  std::string out;
  bool json = false;
};

std::unique_ptr<Tokenizer> DocumentsTokenizer(const DocumentsOptions& options) {
  Check(options.model.empty() || options.tokenizer.empty(),
        "--model and --tokenizer are exclusive");
  if (!options.model.empty()) return LoadModelTokenizer(options.model);
  return OpenTokenizer(options.tokenizer.empty() ? "byte" : options.tokenizer);
}

DocumentFileSettings CheckDocumentsOptions(const DocumentsOptions& options) {
  DocumentFileSettings settings;
  for (int64_t length : ParseIntegerList(options.lengths, "--lengths", 2, 1 << 24)) {
    settings.lengths.push_back(static_cast<int>(length));
  }
  Check(options.docs >= 0 && options.docs <= 100000, "--docs: {} is outside [0, 100000]",
        options.docs);
  Check(options.windows >= 0 && options.windows <= 100000, "--windows: {} is outside [0, 100000]",
        options.windows);
  Check(options.docs + options.windows > 0, "--docs and --windows are both 0: nothing to build");
  Check(options.digits >= 0 && options.digits <= 18, "--digits: {} is outside [0, 18]",
        options.digits);
  Check(options.depths.empty() || options.depth_count == 0,
        "--depths and --depth-count are exclusive");
  Check(options.depth_count >= 0 && options.depth_count <= 1000,
        "--depth-count: {} is outside [0, 1000]", options.depth_count);
  settings.needle_documents = options.docs;
  settings.windows = options.windows;
  settings.seed = options.seed;
  settings.formats = ParseNeedleFormatList(options.formats, "--formats", options.digits);
  if (options.depth_count > 0) {
    settings.depths = EvenDepths(options.depth_count);
  } else if (!options.depths.empty() && options.depths != "random") {
    settings.depths = ParseDepthList(options.depths, "--depths");
  }
  return settings;
}

void RunDocuments(const DocumentsOptions& options) {
  const DocumentFileSettings settings = CheckDocumentsOptions(options);
  CheckOutputPaths({{"--out", options.out}}, {{"--corpus", options.corpus},
                                              {"--model", options.model},
                                              {"--tokenizer", options.tokenizer}});
  const std::unique_ptr<Tokenizer> tokenizer = DocumentsTokenizer(options);
  spdlog::info("documents: reading {} with {}", options.corpus,
               DescribeTokenizer(tokenizer->Identity()));
  DocumentFile file;
  file.tokenizer = tokenizer->Identity();
  file.source = options.corpus;
  file.seed = options.seed;
  file.provenance = CurrentProvenance();
  file.sets = BuildDocumentSets(ReadCorpus(options.corpus, *tokenizer), settings, *tokenizer);
  WriteDocumentFile(options.out, file);

  int64_t documents = 0;
  for (const DocumentSet& set : file.sets) documents += static_cast<int64_t>(set.documents.size());
  if (options.json) {
    std::cout << nlohmann::json{{"output", options.out},
                                {"sets", file.sets.size()},
                                {"documents", documents},
                                {"tokenizer", file.tokenizer.name},
                                {"vocab_size", file.tokenizer.vocab_size},
                                {"tokenizer_identity", file.tokenizer.identity}}
                     .dump()
              << "\n";
  } else {
    std::cout << fmt::format("wrote {}: {} sets, {} documents, tokenizer {}\n", options.out,
                             file.sets.size(), documents, DescribeTokenizer(file.tokenizer));
  }
}

}  // namespace

void AddDocumentsCommand(CLI::App& app) {
  auto options = std::make_shared<DocumentsOptions>();
  CLI::App* command = app.add_subcommand(
      "documents",
      "Build an evaluation-document file (format ropescale-documents, see io/README.md): needle "
      "documents per (format, length, depth) and perplexity windows per length, tokenized once in "
      "the model's tokenizer, for search/eval/train --eval-documents");
  command->add_option("--corpus", options->corpus, "folder of held-out *.txt documents")
      ->capture_default_str();
  command->add_option("--model", options->model,
                      "make the documents in this model's tokenizer (an .h5 or a HF folder)");
  command->add_option("--tokenizer", options->tokenizer,
                      "or in this tokenizer: byte (the default), a folder holding tokenizer.json / "
                      "tokenizer.model, or such a file");
  command->add_option("--lengths", options->lengths, "comma-separated document lengths (tokens)")
      ->required();
  command
      ->add_option("--docs", options->docs,
                   "needle documents per (format, length, depth); 0 = none")
      ->capture_default_str();
  command->add_option("--depths", options->depths,
                      "comma-separated needle depths in [0, 1], or 'random' (the default: a "
                      "random depth per document)");
  command->add_option("--depth-count", options->depth_count,
                      "N depths spread evenly over [0, 1] (0, 1/(N-1), ..., 1), as the "
                      "LongRoPE2 authors do with 10 documents x 10 depths");
  command
      ->add_option("--formats", options->formats,
                   "comma-separated needle formats: passkey, magic-number, kv")
      ->capture_default_str();
  command
      ->add_option("--digits", options->digits,
                   "digits of every key (0-18; 0: each format's default)")
      ->capture_default_str();
  command->add_option("--windows", options->windows, "perplexity windows per length; 0 = none")
      ->capture_default_str();
  command->add_option("--seed", options->seed, "seed of the documents")
      ->check(NonNegativeInteger())
      ->capture_default_str();
  command->add_option("--out", options->out, "the evaluation-document file to write (.h5)")
      ->required();
  command->add_flag("--json", options->json, "print one JSON object");
  command->callback([options] { RunDocuments(*options); });
}

}  // namespace ropescale::cli
