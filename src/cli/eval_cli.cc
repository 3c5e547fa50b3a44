#include "src/cli/eval_cli.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "io/checkpoint.h"
#include "io/model_loader.h"
#include "io/model_tokenizer.h"
#include "io/tokenizer.h"
#include "src/cli/option_validators.h"
#include "src/core/atomic_file.h"
#include "src/core/comma_list.h"
#include "src/core/error.h"
#include "src/core/output_paths.h"
#include "src/dist/world.h"
#include "src/train/progress_text.h"

namespace ropescale::cli {

void AddEvalCommonOptions(CLI::App* command, EvalCommonOptions& options,
                          const std::string& docs_help) {
  command
      ->add_option("--model", options.models,
                   "checkpoint (.h5) or Hugging Face folder; repeat for several models (one "
                   "table, a row per model and RoPE)")
      ->required();
  command
      ->add_option("--eval-documents", options.eval_documents,
                   "score the documents of this evaluation-document file (made by `ropescale "
                   "documents` in the model's tokenizer) instead of drawing them from --corpus "
                   "with --docs and --seed")
      ->check(CLI::ExistingFile);
  command->add_option("--corpus", options.corpus, "folder of held-out *.txt documents")
      ->capture_default_str();
  command->add_option("--lengths", options.lengths, "comma-separated document lengths (tokens)")
      ->capture_default_str();
  command
      ->add_option("--ropes", options.ropes,
                   "comma-separated: model (the model's own RoPE, e.g. a searched LongRoPE), "
                   "original (its un-extended RoPE), pi, ntk, yarn")
      ->capture_default_str();
  command
      ->add_option("--target-length", options.target_length,
                   "length the PI/NTK/YaRN factors are made for (0: the longest of --lengths)")
      ->capture_default_str();
  command->add_option("--docs", options.docs, docs_help)->capture_default_str();
  command->add_option("--seed", options.seed, "seed of the documents")
      ->check(NonNegativeInteger())
      ->capture_default_str();
  command->add_option("--batch", options.batch, "documents per forward (rows)")
      ->capture_default_str();
  command
      ->add_option("--threads", options.threads,
                   "CPU threads per rank (0: OMP_NUM_THREADS when set, else the node's cores "
                   "shared by its ranks)")
      ->capture_default_str();
  command->add_option("--backend", options.backend, "cpu or cuda")->capture_default_str();
  command->add_flag("--json", options.json, "print JSON instead of Markdown");
  command->add_option("--out", options.out, "also write the JSON to this file (atomically)");
}

EvalCommonSettings CheckEvalCommonOptions(const EvalCommonOptions& options,
                                          const std::vector<NamedPath>& other_outputs) {
  EvalCommonSettings settings;
  for (int64_t length : ParseIntegerList(options.lengths, "--lengths", 2, 1 << 24)) {
    Check(std::find(settings.lengths.begin(), settings.lengths.end(), length) ==
              settings.lengths.end(),
          "--lengths: {} twice", length);
    settings.lengths.push_back(static_cast<int>(length));
  }
  settings.ropes = ParseBaselineRopeList(options.ropes, "--ropes");
  Check(options.target_length == 0 ||
            (options.target_length >= 2 && options.target_length <= (1 << 24)),
        "--target-length: {} is outside [2, {}] (or 0: the longest of --lengths)",
        options.target_length, 1 << 24);
  settings.target = options.target_length > 0
                        ? options.target_length
                        : *std::max_element(settings.lengths.begin(), settings.lengths.end());
  Check(options.docs >= 1 && options.docs <= 1000000, "--docs: {} is outside [1, 1000000]",
        options.docs);
  Check(options.batch >= 1 && options.batch <= 4096, "--batch: {} is outside [1, 4096]",
        options.batch);
  Check(options.threads >= 0 && options.threads <= kMaxBackendThreads,
        "--threads: {} is outside [0, {}]", options.threads, kMaxBackendThreads);
  std::vector<NamedPath> inputs;
  for (const std::string& model : options.models) {
    for (const auto& [field, seen] : inputs) {
      Check(seen != model, "--model: {} twice (its rows would be indistinguishable)", model);
    }
    // Fail now, not after the first models' evaluations.
    Check(std::filesystem::exists(model), "--model {}: no such file or folder", model);
    inputs.emplace_back("--model", model);
  }
  std::vector<NamedPath> outputs = {{"--out", options.out}};
  outputs.insert(outputs.end(), other_outputs.begin(), other_outputs.end());
  CheckOutputPaths(outputs, inputs);
  return settings;
}

void CheckTargetExtendsWindow(const EvalCommonOptions& options,
                              const std::vector<BaselineRope>& ropes, int target,
                              const std::string& model, const RopeSpec& model_rope, bool warn) {
  const bool extends = std::any_of(ropes.begin(), ropes.end(), [](BaselineRope rope) {
    return rope == BaselineRope::kPi || rope == BaselineRope::kNtk || rope == BaselineRope::kYarn;
  });
  const int window = PretrainingContext(model_rope);
  if (!extends || window <= 0 || target > window) return;
  Check(options.target_length == 0,
        "--target-length: {} is not longer than {}'s window L = {}, so pi/ntk/yarn would equal "
        "the original RoPE; give a target above {}",
        target, model, window, window);
  if (warn) {
    spdlog::warn(
        "{}: the target length {} (the longest of the lengths) is not longer than the window L "
        "= {}: pi/ntk/yarn equal the original RoPE here; pass --target-length above {}",
        model, target, window, window);
  }
}

nlohmann::json EvalCommonInputs(const EvalCommonOptions& options,
                                const EvalCommonSettings& settings, int ranks) {
  nlohmann::json ropes = nlohmann::json::array();
  for (BaselineRope rope : settings.ropes) ropes.push_back(std::string(BaselineRopeName(rope)));
  return {{"models", options.models},
          {"corpus", options.corpus},
          {"eval_documents", options.eval_documents},
          {"seed", options.seed},
          {"docs", options.docs},
          {"ranks", ranks},
          {"lengths", settings.lengths},
          {"ropes", ropes},
          {"target_length", settings.target},
          {"batch", options.batch},
          {"backend", options.backend}};
}

void RunEvalJob(const std::function<void(dist::Communicator&)>& body) {
  const dist::JobSession session;
  // Destroyed before the session ends MPI.
  const std::unique_ptr<dist::Communicator> comm = dist::WorldCommunicator();
  dist::RunOrAbortJob(*comm, [&] { body(*comm); });
}

namespace {

// --threads 0: OMP_NUM_THREADS when set (the backend's default), else the hardware threads of
// this node divided among the job's ranks on it (ranks / nodes, nodes = ranks of local rank 0).
int ThreadsPerRank(dist::Communicator& comm, int requested) {
  if (requested > 0) return requested;
  const int64_t nodes = std::max<int64_t>(1, comm.AllReduceSum(int64_t{comm.LocalRank() == 0}));
  if (std::getenv("OMP_NUM_THREADS") != nullptr) return 0;
  const int64_t ranks_per_node = (comm.Size() + nodes - 1) / nodes;
  const int64_t hardware = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<int>(std::max<int64_t>(1, hardware / ranks_per_node));
}

}  // namespace

std::unique_ptr<Tokenizer> EvalTokenizer(const EvalCommonOptions& options) {
  Check(!options.models.empty(), "--model is required");
  return LoadModelTokenizer(options.models.front());
}

void ForEachModel(
    dist::Communicator& comm, const EvalCommonOptions& options, const TokenizerIdentity& tokenizer,
    const std::function<void(const std::string&, Backend&, const ModelConfig&)>& body) {
  const int threads = ThreadsPerRank(comm, options.threads);
  for (const std::string& model : options.models) {
    const Checkpoint checkpoint = LoadModel(model);
    const TokenizerIdentity mine = ModelTokenizer(checkpoint, model)->Identity();
    Check(mine == tokenizer,
          "{}: its tokenizer {} is not the one the documents are in, {} (models evaluated together "
          "must share a tokenizer)",
          model, DescribeTokenizer(mine), DescribeTokenizer(tokenizer));
    BackendOptions backend_options;
    backend_options.name = options.backend;
    backend_options.num_threads = threads;
    backend_options.device = comm.LocalRank();
    std::unique_ptr<Backend> backend = CreateBackend(checkpoint.config, backend_options);
    backend->SetParameters(checkpoint.weights);
    body(model, *backend, checkpoint.config);
  }
}

TaskProgress EvalProgress(const dist::Communicator& comm, const std::string& what) {
  if (!comm.IsRoot()) return {};
  using Clock = std::chrono::steady_clock;
  struct State {
    Clock::time_point start = Clock::now();
    Clock::time_point last = Clock::now();
  };
  auto state = std::make_shared<State>();
  return [state, what](int64_t done, int64_t total) {
    const Clock::time_point now = Clock::now();
    if (done < total && now - state->last < std::chrono::seconds(5)) return;
    state->last = now;
    const double elapsed = std::chrono::duration<double>(now - state->start).count();
    const double eta = done > 0 ? elapsed * static_cast<double>(total - done) / done : 0.0;
    spdlog::info("{}: {}/{} tasks ({:.0f}%), {} elapsed, ETA {}", what, done, total,
                 total ? 100.0 * done / total : 100.0, FormatDuration(elapsed),
                 FormatDuration(eta));
  };
}

void WriteEvalOutputs(const dist::Communicator& comm, const EvalCommonOptions& options,
                      const nlohmann::json& json, const std::string& table) {
  if (!comm.IsRoot()) return;
  if (!options.out.empty()) WriteTextAtomically(options.out, json.dump(2) + "\n");
  if (options.json) {
    std::cout << json.dump(2) << std::endl;
  } else {
    std::cout << table << std::flush;
  }
}

}  // namespace ropescale::cli
