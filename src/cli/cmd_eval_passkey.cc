// `ropescale eval passkey`: exact pass-key retrieval by greedy decoding, for every (model, RoPE,
// length, needle depth, needle format), with the standard error of each accuracy and the digit
// accuracy. The documents are the same for every model and RoPE, so rows compare directly.
// Results go to stdout as Markdown tables (one per format) or JSON (and --out, --markdown);
// progress to stderr.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "io/tokenizer.h"
#include "src/cli/eval_cli.h"
#include "src/cli/needle_format_options.h"
#include "src/core/atomic_file.h"
#include "src/core/comma_list.h"
#include "src/core/error.h"
#include "src/eval/corpus.h"
#include "src/eval/document_file.h"
#include "src/eval/eval_report.h"
#include "src/eval/passkey_suite.h"

namespace ropescale::cli {
namespace {

struct EvalPasskeyOptions {
  EvalCommonOptions common;
  std::string depths;  // empty: a random depth per document
  std::string formats = "passkey";
  int digits = 0;  // 0: each format's default
  std::string markdown;
};

PasskeySettings CheckPasskeyOptions(const EvalPasskeyOptions& options,
                                    const EvalCommonSettings& common) {
  PasskeySettings settings;
  settings.lengths = common.lengths;
  settings.documents = options.common.docs;
  settings.seed = options.common.seed;
  settings.batch_size = options.common.batch;
  Check(options.digits >= 0 && options.digits <= 18, "--digits: {} is outside [0, 18]",
        options.digits);
  settings.formats = ParseNeedleFormatList(options.formats, "--formats", options.digits);
  if (!options.depths.empty()) settings.depths = ParseDepthList(options.depths, "--depths");
  return settings;
}

// The needle sets of an evaluation-document file, its tokenizer checked against the model's.
std::vector<DocumentSet> NeedleSetsFromFile(const std::string& path,
                                            const TokenizerIdentity& model) {
  DocumentFile file = ReadDocumentFileFor(path, model);
  std::vector<DocumentSet> sets;
  for (DocumentSet& set : file.sets) {
    if (set.kind == FitnessKind::kNeedle) sets.push_back(std::move(set));
  }
  Check(!sets.empty(), "--eval-documents {}: the file holds no needle documents", path);
  return sets;
}

// Formats, depths and lengths as scored: those of the sets (from the options or the file).
nlohmann::json PasskeyInputs(const EvalPasskeyOptions& options, const EvalCommonSettings& common,
                             const std::vector<DocumentSet>& sets, int ranks) {
  nlohmann::json inputs = EvalCommonInputs(options.common, common, ranks);
  const auto add_once = [](nlohmann::json& list, const nlohmann::json& value) {
    if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
  };
  nlohmann::json formats = nlohmann::json::array();
  nlohmann::json depths = nlohmann::json::array();
  nlohmann::json lengths = nlohmann::json::array();
  for (const DocumentSet& set : sets) {
    add_once(formats, NeedleFormatJson(set.format));
    add_once(depths, set.depth ? nlohmann::json(*set.depth) : nlohmann::json(nullptr));
    add_once(lengths, set.length);
  }
  inputs["formats"] = formats;
  inputs["depths"] = depths;
  inputs["lengths"] = lengths;
  inputs["docs"] = sets.front().documents.size();
  return inputs;
}

void RunEvalPasskey(dist::Communicator& comm, const EvalPasskeyOptions& options) {
  const EvalCommonSettings common_checked =
      CheckEvalCommonOptions(options.common, {{"--markdown", options.markdown}});
  const PasskeySettings settings = CheckPasskeyOptions(options, common_checked);
  const std::unique_ptr<Tokenizer> tokenizer_owner = EvalTokenizer(options.common);
  const Tokenizer& tokenizer = *tokenizer_owner;
  EvalCommonSettings common = common_checked;
  std::vector<DocumentSet> sets;
  if (options.common.eval_documents.empty()) {
    sets = MakePasskeyDocuments(ReadCorpus(options.common.corpus, tokenizer), settings, tokenizer);
  } else {
    sets = NeedleSetsFromFile(options.common.eval_documents, tokenizer.Identity());
    if (options.common.target_length == 0) {
      common.target = 0;
      for (const DocumentSet& set : sets) common.target = std::max(common.target, set.length);
    }
  }

  std::vector<PasskeyResult> results;
  ForEachModel(
      comm, options.common, tokenizer.Identity(),
      [&](const std::string& model, Backend& backend, const ModelConfig& config) {
        if (comm.IsRoot()) {
          spdlog::info(
              "eval passkey: {} over {} rank(s): {} document sets of {} documents, {} RoPE(s) for "
              "target {} (L = {})",
              model, comm.Size(), sets.size(), sets.front().documents.size(), common.ropes.size(),
              common.target, PretrainingContext(config.rope));
        }
        CheckTargetExtendsWindow(options.common, common.ropes, common.target, model, config.rope,
                                 comm.IsRoot());
        const auto ropes = NameBaselineRopes(config.rope, common.ropes, common.target);
        const auto mine = EvaluatePasskey(comm, backend, model, ropes, sets, settings.batch_size,
                                          EvalProgress(comm, "eval passkey " + model));
        results.insert(results.end(), mine.begin(), mine.end());
      });

  nlohmann::json rows = nlohmann::json::array();
  for (const PasskeyResult& result : results) rows.push_back(PasskeyRowJson(result));
  const nlohmann::json out = {{"command", "eval passkey"},
                              {"provenance", ProvenanceJson()},
                              {"inputs", PasskeyInputs(options, common, sets, comm.Size())},
                              {"results", rows}};
  const std::string table = PasskeyMarkdown(results);
  if (comm.IsRoot() && !options.markdown.empty()) WriteTextAtomically(options.markdown, table);
  WriteEvalOutputs(comm, options.common, out, table);
}

}  // namespace

void AddEvalPasskeyCommand(CLI::App& eval) {
  auto options = std::make_shared<EvalPasskeyOptions>();
  options->common.docs = 100;
  options->common.batch = 4;  // retrieval's forwards are short: rows keep the threads busy
  CLI::App* passkey = eval.add_subcommand(
      "passkey",
      "Exact pass-key retrieval (greedy decoding) by RoPE, length, needle depth and format, with "
      "standard errors");
  AddEvalCommonOptions(passkey, options->common, "needle documents per (format, length, depth)");
  passkey->add_option("--depths", options->depths,
                      "comma-separated needle depths in [0, 1] (0: at the start of the filler, 1: "
                      "right before the question; default: random per document)");
  passkey
      ->add_option("--formats", options->formats,
                   "comma-separated needle formats: passkey, magic-number, kv")
      ->capture_default_str();
  passkey
      ->add_option("--digits", options->digits,
                   "digits of every key (0-18; 0: each format's default, passkey 5, "
                   "magic-number 7, kv 5)")
      ->capture_default_str();
  passkey->add_option("--markdown", options->markdown,
                      "also write the Markdown tables to this file (atomically)");
  passkey->callback(
      [options] { RunEvalJob([&](dist::Communicator& comm) { RunEvalPasskey(comm, *options); }); });
}

}  // namespace ropescale::cli
