#pragma once
// What `ropescale eval ppl` and `ropescale eval passkey` share: the options every evaluation
// takes (models, corpus, RoPEs, lengths, documents, backend, outputs), their checks, running
// over the MPI job's ranks with one model loaded at a time, progress with an ETA on stderr, and
// writing the results (rank 0 only).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/tokenizer.h"
#include "src/core/output_paths.h"
#include "src/dist/communicator.h"
#include "src/eval/baseline_ropes.h"
#include "src/eval/distributed_tasks.h"
#include "src/model/backend.h"
#include "src/model/model_config.h"

namespace ropescale::cli {

struct EvalCommonOptions {
  std::vector<std::string> models;
  std::string corpus = "data/corpus/heldout";
  std::string eval_documents;  // an evaluation-document file instead of corpus/docs/seed
  std::string lengths = "256,2048";
  std::string ropes = "original,pi,ntk,yarn";
  int target_length = 0;  // 0 = the longest of --lengths
  int docs = 8;
  uint64_t seed = 1234;
  int batch = 1;
  int threads = 0;
  std::string backend = "cpu";
  bool json = false;
  std::string out;
};

// Registers the shared options on `command` (`docs_help` says what --docs counts).
void AddEvalCommonOptions(CLI::App* command, EvalCommonOptions& options,
                          const std::string& docs_help);

// The checked settings of the shared options: throws Error naming the option.
struct EvalCommonSettings {
  std::vector<int> lengths;
  std::vector<BaselineRope> ropes;
  int target = 0;  // the length the PI / NTK / YaRN RoPEs are made for
};
// `other_outputs`: the command's own output files, checked with --out.
EvalCommonSettings CheckEvalCommonOptions(const EvalCommonOptions& options,
                                          const std::vector<NamedPath>& other_outputs = {});

// pi/ntk/yarn are made for `target`; one not longer than `model`'s window L equals the original
// RoPE. An explicit --target-length that short is refused naming the option and L; the default
// (the longest length) is only warned about (on the root, `warn`).
void CheckTargetExtendsWindow(const EvalCommonOptions& options,
                              const std::vector<BaselineRope>& ropes, int target,
                              const std::string& model, const RopeSpec& model_rope, bool warn);

// The shared inputs for the JSON: models, corpus, seed, docs, ranks, lengths, ropes,
// target_length, batch, backend.
nlohmann::json EvalCommonInputs(const EvalCommonOptions& options,
                                const EvalCommonSettings& settings, int ranks);

// Runs body(comm) on the job's ranks (dist::JobSession, WorldCommunicator, RunOrAbortJob).
void RunEvalJob(const std::function<void(dist::Communicator&)>& body);

// The tokenizer the documents are made in: the first model's (io/model_tokenizer.h).
std::unique_ptr<Tokenizer> EvalTokenizer(const EvalCommonOptions& options);

// Loads each of options.models in turn on every rank (a backend of --backend / --threads; its
// tokenizer must be `tokenizer`) and calls body(model, backend, config); the backend is freed
// before the next model is loaded.
void ForEachModel(
    dist::Communicator& comm, const EvalCommonOptions& options, const TokenizerIdentity& tokenizer,
    const std::function<void(const std::string&, Backend&, const ModelConfig&)>& body);

// Progress of one model's tasks on stderr (rank 0; other ranks get an empty callback): done /
// total, elapsed and ETA, at most every few seconds.
TaskProgress EvalProgress(const dist::Communicator& comm, const std::string& what);

// Rank 0: `json` to stdout with --json (else `table`), and to --out (atomically) when given.
void WriteEvalOutputs(const dist::Communicator& comm, const EvalCommonOptions& options,
                      const nlohmann::json& json, const std::string& table);

// Subcommands of `ropescale eval`.
void AddEvalPplCommand(CLI::App& eval);
void AddEvalPasskeyCommand(CLI::App& eval);

}  // namespace ropescale::cli
