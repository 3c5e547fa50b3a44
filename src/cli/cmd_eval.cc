// `ropescale eval ppl`: perplexity (and needle-driven loss) of a checkpoint by RoPE and length
// on held-out documents. The RoPEs are the baselines of src/eval/baseline_ropes.h, all made for
// one target length (default: the longest of --lengths), so a row shows how one extension does
// at every length. Results go to stdout as a Markdown table or JSON; progress to stderr.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "io/model_loader.h"
#include "io/tokenizer.h"
#include "src/cli/commands.h"
#include "src/core/error.h"
#include "src/eval/baseline_ropes.h"
#include "src/eval/corpus.h"
#include "src/eval/needle_document.h"
#include "src/eval/perplexity.h"
#include "src/eval/text_windows.h"

namespace ropescale::cli {
namespace {

struct EvalPplOptions {
  std::string model;
  std::string corpus = "data/corpus/heldout";
  std::string lengths = "256,2048";
  std::string ropes = "original,pi,ntk,yarn";
  int target_length = 0;  // 0 = the longest of --lengths
  int docs = 8;
  bool needle = false;
  bool retrieval = false;
  int digits = 5;
  uint64_t seed = 1234;
  int batch = 1;
  int threads = 0;
  std::string backend = "cpu";
  bool json = false;
};

struct Cell {
  BaselineRope rope;
  int length = 0;
  RopeSpec spec;
  LossSums text;
  std::optional<LossSums> needle;
  std::optional<NeedleRetrieval> retrieval;
};

std::vector<int> ParseLengths(const std::string& text) {
  std::vector<int> lengths;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    try {
      size_t used = 0;
      const int value = std::stoi(item, &used);
      Check(used == item.size() && value >= 2, "--lengths: '{}' is not a length >= 2", item);
      lengths.push_back(value);
    } catch (const std::logic_error&) {
      Fail("--lengths: '{}' is not a number", item);
    }
  }
  Check(!lengths.empty(), "--lengths: empty list");
  return lengths;
}

void PrintMarkdown(const std::vector<Cell>& cells, const std::vector<BaselineRope>& ropes,
                   const std::vector<int>& lengths, const EvalPplOptions& options) {
  std::string header = "| RoPE |";
  std::string rule = "|---|";
  for (int length : lengths) {
    header += fmt::format(" ppl@{} |", length);
    rule += "---|";
  }
  if (options.needle) {
    for (int length : lengths) {
      header += fmt::format(" needle@{} |", length);
      rule += "---|";
    }
  }
  if (options.retrieval) {
    for (int length : lengths) {
      header += fmt::format(" exact@{} |", length);
      rule += "---|";
    }
  }
  fmt::print("{}\n{}\n", header, rule);
  for (BaselineRope rope : ropes) {
    std::string row = fmt::format("| {} |", BaselineRopeName(rope));
    auto cell_of = [&](int length) -> const Cell& {
      return *std::find_if(cells.begin(), cells.end(),
                           [&](const Cell& c) { return c.rope == rope && c.length == length; });
    };
    for (int length : lengths) {
      row += fmt::format(" {:.3f} |", std::exp(cell_of(length).text.Mean()));
    }
    if (options.needle) {
      for (int length : lengths) row += fmt::format(" {:.3f} |", cell_of(length).needle->Mean());
    }
    if (options.retrieval) {
      for (int length : lengths) {
        const NeedleRetrieval& r = *cell_of(length).retrieval;
        row += fmt::format(" {}/{} |", r.exact, r.documents);
      }
    }
    fmt::print("{}\n", row);
  }
}

void RunEvalPpl(const EvalPplOptions& options) {
  const std::vector<int> lengths = ParseLengths(options.lengths);
  const std::vector<BaselineRope> ropes = ParseBaselineRopeList(options.ropes, "--ropes");
  Check(options.docs >= 1, "--docs must be at least 1");
  const int target = options.target_length > 0 ? options.target_length
                                               : *std::max_element(lengths.begin(), lengths.end());

  const Checkpoint checkpoint = LoadModel(options.model);
  BackendOptions backend_options;
  backend_options.name = options.backend;
  backend_options.num_threads = options.threads;
  std::unique_ptr<Backend> backend = CreateBackend(checkpoint.config, backend_options);
  backend->SetParameters(checkpoint.weights);

  const ByteTokenizer tokenizer;
  Check(checkpoint.config.vocab_size == tokenizer.VocabSize(),
        "{}: vocab_size {} is not the byte-level 256 that eval ppl reads text with", options.model,
        checkpoint.config.vocab_size);
  const Corpus corpus = ReadCorpus(options.corpus, tokenizer);
  NeedleFormat format;
  format.digits = options.digits;
  const RopeSpec& model_rope = checkpoint.config.rope;
  spdlog::info(
      "eval ppl: {} on {} ({} documents), {} windows per length, RoPEs for target {} "
      "(L = {})",
      options.model, options.corpus, corpus.documents.size(), options.docs, target,
      PretrainingContext(model_rope));

  std::vector<Cell> cells;
  for (int length : lengths) {
    const auto windows = MakeTextWindows(corpus, options.docs, length, options.seed);
    std::vector<NeedleDocument> needles;
    if (options.needle || options.retrieval) {
      needles = MakeNeedleDocuments(corpus, options.docs, length, options.seed, tokenizer, format);
    }
    for (BaselineRope rope : ropes) {
      const auto start = std::chrono::steady_clock::now();
      Cell cell{rope, length, MakeBaselineRope(model_rope, rope, target), {}, {}, {}};
      cell.text = ScoreTextWindows(*backend, windows, cell.spec, options.batch);
      if (options.needle) {
        cell.needle = ScoreNeedleDocuments(*backend, needles, cell.spec, options.batch);
      }
      if (options.retrieval) {
        cell.retrieval = EvaluateNeedleRetrieval(*backend, needles, cell.spec, options.batch);
      }
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      spdlog::info("{} at {}: perplexity {:.3f}{} ({:.1f} s)", BaselineRopeName(rope), length,
                   std::exp(cell.text.Mean()),
                   cell.needle ? fmt::format(", needle loss {:.3f}", cell.needle->Mean()) : "",
                   seconds);
      cells.push_back(std::move(cell));
    }
  }

  if (options.json) {
    nlohmann::json results = nlohmann::json::array();
    for (const Cell& cell : cells) {
      nlohmann::json row = {
          {"rope", std::string(BaselineRopeName(cell.rope))},
          {"rope_type", std::string(RopeKindName(cell.spec.kind))},
          {"factor", cell.spec.kind == RopeKind::kDefault ? 1.0 : cell.spec.factor},
          {"length", cell.length},
          {"loss", cell.text.Mean()},
          {"perplexity", std::exp(cell.text.Mean())},
          {"tokens", cell.text.weight}};
      if (cell.needle) {
        row["needle_loss"] = cell.needle->Mean();
        row["needle_answer_tokens"] = cell.needle->weight;
      }
      if (cell.retrieval) {
        row["needle_exact"] = cell.retrieval->exact;
        row["needle_documents"] = cell.retrieval->documents;
        row["needle_digit_accuracy"] =
            static_cast<double>(cell.retrieval->correct_digits) / cell.retrieval->digits;
      }
      results.push_back(row);
    }
    const nlohmann::json out = {{"model", options.model},
                                {"corpus", options.corpus},
                                {"docs", options.docs},
                                {"seed", options.seed},
                                {"target_length", target},
                                {"digits", options.digits},
                                {"pretraining_context", PretrainingContext(model_rope)},
                                {"results", results}};
    fmt::print("{}\n", out.dump(2));
  } else {
    PrintMarkdown(cells, ropes, lengths, options);
  }
}

}  // namespace

void AddEvalCommand(CLI::App& app) {
  CLI::App* eval = app.add_subcommand("eval", "Evaluate a checkpoint");
  eval->require_subcommand(1);
  auto options = std::make_shared<EvalPplOptions>();
  CLI::App* ppl = eval->add_subcommand(
      "ppl", "Perplexity (and needle loss) by RoPE and length on held-out *.txt documents");
  ppl->add_option("--model", options->model, "checkpoint (.h5) or Hugging Face folder")->required();
  ppl->add_option("--corpus", options->corpus, "folder of held-out *.txt documents")
      ->capture_default_str();
  ppl->add_option("--lengths", options->lengths, "comma-separated window lengths")
      ->capture_default_str();
  ppl->add_option("--ropes", options->ropes, "comma-separated: original, pi, ntk, yarn")
      ->capture_default_str();
  ppl->add_option("--target-length", options->target_length,
                  "length the PI/NTK/YaRN factors are made for (0: the longest of --lengths)")
      ->capture_default_str();
  ppl->add_option("--docs", options->docs, "windows (and needle documents) per length")
      ->capture_default_str();
  ppl->add_flag("--needle", options->needle,
                "also the needle-driven loss (mean cross-entropy of the pass-key digits)");
  ppl->add_flag("--retrieval", options->retrieval,
                "also exact pass-key retrieval by greedy decoding (digits x more forwards)");
  ppl->add_option("--digits", options->digits, "digits of a pass key")->capture_default_str();
  ppl->add_option("--seed", options->seed, "seed of the windows and needle documents")
      ->capture_default_str();
  ppl->add_option("--batch", options->batch, "rows per forward")->capture_default_str();
  ppl->add_option("--threads", options->threads, "CPU threads (0: all)")->capture_default_str();
  ppl->add_option("--backend", options->backend, "cpu or cuda")->capture_default_str();
  ppl->add_flag("--json", options->json, "print JSON instead of a Markdown table");
  ppl->callback([options] { RunEvalPpl(*options); });
}

}  // namespace ropescale::cli
