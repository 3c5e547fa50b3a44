// `ropescale score`: the loss and last-position logits of one token sequence, as transformers'
// LlamaForCausalLM(input_ids, labels=input_ids) computes them (mean next-token cross-entropy).
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/model_loader.h"
#include "src/cli/commands.h"
#include "src/core/error.h"
#include "src/model/backend.h"
#include "src/model/batch.h"

namespace ropescale::cli {
namespace {

struct ScoreOptions {
  std::string model;
  std::string tokens;
  std::string backend = "cpu";
  bool json = false;
};

std::vector<int32_t> ParseTokens(const std::string& text, int vocab_size) {
  std::vector<int32_t> tokens;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t used = 0;
    long value = -1;
    try {
      value = std::stol(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    Check(used == item.size() && !item.empty(), "score: --tokens item {} '{}' is not an integer",
          tokens.size(), item);
    Check(value >= 0 && value < vocab_size,
          "score: --tokens item {} = {} is outside the vocabulary [0, {})", tokens.size(), value,
          vocab_size);
    tokens.push_back(static_cast<int32_t>(value));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  Check(!tokens.empty(), "score: --tokens is empty");
  return tokens;
}

// Which longrope factor list transformers uses for this sequence (seq_len > L: long).
std::string FactorSet(const RopeSpec& rope, size_t num_tokens) {
  if (rope.kind != RopeKind::kLongRope && rope.kind != RopeKind::kLongRope2) return "";
  return static_cast<int64_t>(num_tokens) > rope.original_max_position_embeddings ? "long"
                                                                                  : "short";
}

void RunScore(const ScoreOptions& options) {
  const Checkpoint checkpoint = LoadModel(options.model);
  const ModelConfig& config = checkpoint.config;
  const std::vector<int32_t> tokens = ParseTokens(options.tokens, config.vocab_size);

  BackendOptions backend_options;
  backend_options.name = options.backend;
  std::unique_ptr<Backend> backend = CreateBackend(config, backend_options);
  backend->SetParameters(checkpoint.weights);
  const Batch batch = MakeCausalLmBatch(tokens, config.rope);
  ForwardOptions forward;
  forward.want_last_logits = true;
  const ForwardOutput output = backend->Forward(batch, forward);

  const double loss = output.loss.Mean();
  const std::string factor_set = FactorSet(config.rope, tokens.size());
  if (options.json) {
    nlohmann::json result;
    // One token has nothing to predict: transformers' loss would be NaN; we print null.
    result["loss"] = output.loss.weight > 0.0 ? nlohmann::json(loss) : nlohmann::json(nullptr);
    result["num_tokens"] = tokens.size();
    std::vector<double> logits(output.last_logits.begin(), output.last_logits.end());
    result["logits_last"] = logits;
    if (!factor_set.empty()) result["factor_set"] = factor_set;
    std::cout << result.dump() << "\n";
  } else {
    std::cout << fmt::format("loss {:.8f} over {} tokens ({} predicted){}\n", loss, tokens.size(),
                             tokens.size() - 1,
                             factor_set.empty() ? "" : ", longrope " + factor_set + " factors");
  }
}

}  // namespace

void AddScoreCommand(CLI::App& app) {
  auto options = std::make_shared<ScoreOptions>();
  CLI::App* command = app.add_subcommand(
      "score",
      "Loss (mean next-token cross-entropy, as transformers with labels = input_ids) and the "
      "last position's logits of one token sequence");
  command->add_option("--model", options->model, "an .h5 checkpoint or a HF folder")->required();
  command->add_option("--tokens", options->tokens, "comma-separated token ids, e.g. 5,17,200")
      ->required();
  command->add_option("--backend", options->backend, "cpu or cuda")->capture_default_str();
  command->add_flag("--json", options->json, "print one JSON object")->capture_default_str();
  command->callback([options] { RunScore(*options); });
}

}  // namespace ropescale::cli
