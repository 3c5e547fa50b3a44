// `ropescale plan`: before any job is submitted, the memory, FLOPs and time one forward, one
// training step and a whole factor search need per rank at the target length. Argument
// handling only; the numbers come from src/plan.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "io/model_loader.h"
#include "src/cli/commands.h"
#include "src/cli/search_size_options.h"
#include "src/core/error.h"
#include "src/eval/baseline_ropes.h"
#include "src/model/backend.h"
#include "src/plan/model_shapes.h"
#include "src/plan/plan.h"
#include "src/plan/plan_report.h"

namespace ropescale::cli {
namespace {

// Far above any cluster; a bound so that a typo gives a message, not an overflow.
constexpr int kMaxRanks = 10000000;

struct PlanOptions {
  std::string model;
  std::string shape;
  int64_t target_len = 0;
  int ranks = 1;
  std::string backend = "cpu";
  int threads = 1;
  double flops_per_second = 0.0;
  double efficiency = 0.0;
  std::optional<int64_t> logit_chunk;
  search::SearchCommandOptions search;
  bool json = false;
};

void CheckOptions(const PlanOptions& o) {
  Check(o.model.empty() != o.shape.empty(),
        "plan: give exactly one of --model PATH (an .h5 checkpoint, a HF folder or its "
        "config.json) and --shape NAME ({})",
        fmt::join(plan::NamedModelShapes(), ", "));
  Check(o.target_len >= 1 && o.target_len <= plan::kMaxPlanTokens,
        "--target-len: {} is outside [1, {}]", o.target_len, plan::kMaxPlanTokens);
  Check(o.ranks >= 1 && o.ranks <= kMaxRanks, "--ranks: {} is outside [1, {}]", o.ranks, kMaxRanks);
  const auto backends = plan::PlannedBackends();
  Check(std::find(backends.begin(), backends.end(), o.backend) != backends.end(),
        "--backend: '{}' is not a backend the plan knows ({})", o.backend,
        fmt::join(backends, ", "));
  Check(o.threads >= 1 && o.threads <= kMaxBackendThreads, "--threads: {} is outside [1, {}]",
        o.threads, kMaxBackendThreads);
  Check(std::isfinite(o.flops_per_second) && o.flops_per_second >= 0.0,
        "--flops-per-second: {} is not a number >= 0 (0 = the backend's default)",
        o.flops_per_second);
  Check(std::isfinite(o.efficiency) && o.efficiency >= 0.0 && o.efficiency <= 1.0,
        "--efficiency: {} is outside [0, 1] (0 = the backend's default)", o.efficiency);
  Check(!o.logit_chunk || *o.logit_chunk >= 0, "--logit-chunk: {} < 0 (0 = all T at once)",
        o.logit_chunk.value_or(0));
  search::CheckSearchSizes(o.search);
}

void RunPlan(const PlanOptions& o) {
  CheckOptions(o);
  plan::PlanRequest request;
  request.config = o.shape.empty() ? LoadModelConfig(o.model) : plan::NamedModelShape(o.shape);
  request.model = o.shape.empty() ? o.model : o.shape;
  request.target_len = o.target_len;
  request.trained_len = PretrainingContext(request.config.rope);
  request.ranks = o.ranks;
  request.threads = o.threads;
  request.backend = plan::DefaultBackendProfile(o.backend);
  if (o.efficiency > 0.0) request.backend.efficiency = o.efficiency;
  if (o.logit_chunk) request.backend.logit_chunk_tokens = *o.logit_chunk;
  request.flops_per_s = o.flops_per_second;
  const search::EvolutionParams evolution = search::EvolutionFromOptions(o.search);
  request.search =
      plan::SearchShape{evolution.population, evolution.mutations + evolution.crossovers,
                        o.search.generations, o.search.documents};
  const plan::Plan result = plan::MakePlan(request);
  if (o.json) {
    fmt::print("{}\n", plan::PlanJson(result).dump(2));
  } else {
    fmt::print("{}", plan::PlanTable(result));
  }
}

}  // namespace

void AddPlanCommand(CLI::App& app) {
  auto options = std::make_shared<PlanOptions>();
  CLI::App* cmd = app.add_subcommand(
      "plan",
      "Per rank at the target length: memory, FLOPs and time of one forward (search, eval) and "
      "one training step, and the time of a whole factor search on --ranks ranks. Reads only "
      "the model's config, never its weights");
  cmd->add_option("--model", options->model,
                  "An .h5 checkpoint, a HF folder or its config.json (only the config is read)");
  cmd->add_option("--shape", options->shape,
                  fmt::format("A named shape instead of --model: {} (no file needed)",
                              fmt::join(plan::NamedModelShapes(), ", ")));
  cmd->add_option("--target-len", options->target_len, "Target length T in tokens")->required();
  cmd->add_option("--ranks", options->ranks,
                  "Ranks: MPI processes sharing the search (cuda: one GPU each)")
      ->capture_default_str();
  cmd->add_option("--backend", options->backend,
                  "cpu (fp32, 55 GFLOP/s per thread) | cuda (bf16 weights and activations, fp32 "
                  "master weights, gradients and moments; 989.4 TFLOP/s x --efficiency)")
      ->capture_default_str();
  cmd->add_option("--threads", options->threads, "cpu: threads per rank (FLOP/s scale with it)")
      ->capture_default_str();
  cmd->add_option("--flops-per-second", options->flops_per_second,
                  "Sustained FLOP/s of one rank, e.g. 4e14 (0 = the backend's default)")
      ->capture_default_str();
  cmd->add_option("--efficiency", options->efficiency,
                  "Fraction of the backend's peak reached (0 = default: cpu 1, the figure is "
                  "measured; cuda 0.40)")
      ->capture_default_str();
  cmd->add_option("--logit-chunk", options->logit_chunk,
                  "Tokens whose logits exist at once (default: cpu all T, as the CPU backend "
                  "runs; cuda 4096)");
  AddSearchSizeOptions(*cmd, options->search);
  cmd->add_flag("--json", options->json, "Print JSON (every number, bytes and seconds plain)");
  cmd->footer(plan::PlanFormulas());
  cmd->callback([options] { RunPlan(*options); });
}

}  // namespace ropescale::cli
