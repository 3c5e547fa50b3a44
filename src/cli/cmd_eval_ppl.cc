// `ropescale eval ppl`: perplexity (and needle loss, retrieval) of checkpoints by RoPE and length
// on held-out documents. The PI/NTK/YaRN RoPEs are all made for one target length (default: the
// longest of --lengths), so a row shows how one extension does at every length. Results go to
// stdout as a Markdown table or JSON (and --out); progress to stderr.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "io/tokenizer.h"
#include "src/cli/eval_cli.h"
#include "src/core/error.h"
#include "src/eval/corpus.h"
#include "src/eval/document_file.h"
#include "src/eval/eval_report.h"
#include "src/eval/perplexity_suite.h"

namespace ropescale::cli {
namespace {

struct EvalPplOptions {
  EvalCommonOptions common;
  bool needle = false;
  bool retrieval = false;
  int digits = 5;
};

void RunEvalPpl(dist::Communicator& comm, const EvalPplOptions& options) {
  const EvalCommonOptions& common = options.common;
  const EvalCommonSettings settings_checked = CheckEvalCommonOptions(common);
  Check(options.digits >= 1 && options.digits <= 18, "--digits: {} is outside [1, 18]",
        options.digits);
  PerplexitySettings ppl;
  ppl.lengths = settings_checked.lengths;
  ppl.documents = common.docs;
  ppl.seed = common.seed;
  ppl.needle = options.needle;
  ppl.retrieval = options.retrieval;
  ppl.format.digits = options.digits;
  ppl.batch_size = common.batch;

  const std::unique_ptr<Tokenizer> tokenizer_owner = EvalTokenizer(options.common);
  const Tokenizer& tokenizer = *tokenizer_owner;
  std::vector<LengthDocuments> documents;
  EvalCommonSettings settings = settings_checked;
  if (common.eval_documents.empty()) {
    documents = BuildPerplexityDocuments(ReadCorpus(common.corpus, tokenizer), ppl, tokenizer);
  } else {
    const DocumentFile file = ReadDocumentFileFor(common.eval_documents, tokenizer.Identity());
    documents = LengthDocumentsFromFile(file, ppl.needle || ppl.retrieval, common.eval_documents);
    settings.lengths.clear();
    for (const LengthDocuments& docs : documents) settings.lengths.push_back(docs.length);
    if (common.target_length == 0) {
      settings.target = *std::max_element(settings.lengths.begin(), settings.lengths.end());
    }
  }
  std::vector<PerplexityCell> cells;
  int first_context = 0;
  ForEachModel(
      comm, common, tokenizer.Identity(),
      [&](const std::string& model, Backend& backend, const ModelConfig& config) {
        const int context = PretrainingContext(config.rope);
        if (cells.empty()) first_context = context;
        if (comm.IsRoot()) {
          spdlog::info(
              "eval ppl: {} over {} rank(s), {} windows of length {}, RoPEs for target {} (L = {})",
              model, comm.Size(), documents.front().windows.size(), documents.front().length,
              settings.target, context);
        }
        CheckTargetExtendsWindow(common, settings.ropes, settings.target, model, config.rope,
                                 comm.IsRoot());
        const auto ropes = NameBaselineRopes(config.rope, settings.ropes, settings.target);
        const auto mine = EvaluatePerplexityOn(comm, backend, model, documents, ropes, ppl,
                                               EvalProgress(comm, "eval ppl " + model));
        if (comm.IsRoot()) {
          for (const PerplexityCell& cell : mine) {
            spdlog::info(
                "{} at {}: perplexity {:.3f}{}", cell.rope, cell.length, cell.Perplexity(),
                cell.needle.empty() ? "" : fmt::format(", needle loss {:.3f}", cell.NeedleLoss()));
          }
        }
        cells.insert(cells.end(), mine.begin(), mine.end());
      });

  nlohmann::json inputs = EvalCommonInputs(common, settings, comm.Size());
  inputs["needle"] = options.needle;
  inputs["retrieval"] = options.retrieval;
  inputs["digits"] = options.digits;
  nlohmann::json results = nlohmann::json::array();
  for (const PerplexityCell& cell : cells) results.push_back(PerplexityRowJson(cell));
  const nlohmann::json out = {{"command", "eval ppl"},    {"provenance", ProvenanceJson()},
                              {"inputs", inputs},         {"model", common.models.front()},
                              {"corpus", common.corpus},  {"docs", common.docs},
                              {"seed", common.seed},      {"target_length", settings.target},
                              {"digits", options.digits}, {"pretraining_context", first_context},
                              {"results", results}};
  WriteEvalOutputs(comm, common, out, PerplexityMarkdown(cells, common.models.size() > 1));
}

}  // namespace

void AddEvalPplCommand(CLI::App& eval) {
  auto options = std::make_shared<EvalPplOptions>();
  CLI::App* ppl = eval.add_subcommand(
      "ppl", "Perplexity (and needle loss, retrieval) by RoPE and length on held-out *.txt files");
  AddEvalCommonOptions(ppl, options->common, "windows (and needle documents) per length");
  ppl->add_flag("--needle", options->needle,
                "also the needle-driven loss (mean cross-entropy of the pass-key digits)");
  ppl->add_flag("--retrieval", options->retrieval,
                "also exact pass-key retrieval by greedy decoding (digits x more forwards)");
  ppl->add_option("--digits", options->digits, "digits of a pass key (1-18)")
      ->capture_default_str();
  ppl->callback(
      [options] { RunEvalJob([&](dist::Communicator& comm) { RunEvalPpl(comm, *options); }); });
}

}  // namespace ropescale::cli
