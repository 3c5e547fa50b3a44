#include "src/search/search_command.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/checkpoint.h"
#include "io/model_loader.h"
#include "io/model_tokenizer.h"
#include "io/tokenizer.h"
#include "ropescale/version.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/output_paths.h"
#include "src/dist/world.h"
#include "src/eval/baseline_comparison.h"
#include "src/eval/baseline_ropes.h"
#include "src/eval/corpus.h"
#include "src/eval/document_file.h"
#include "src/eval/evaluation_documents.h"
#include "src/eval/perplexity.h"
#include "src/rope/critical_dim.h"
#include "src/rope/hf_rope_config.h"
#include "src/rope/rope_frequencies.h"
#include "src/search/attention_scale_stage.h"
#include "src/search/factor_file.h"
#include "src/search/factor_rescale.h"
#include "src/search/fitness.h"
#include "src/search/search_runner.h"
#include "src/search/seed_factors.h"
#include "src/search/short_recovery.h"

namespace ropescale::search {
namespace {

// Every set of `kind` at `length` in an evaluation-document file, documents in file order.
std::vector<EvaluationDocument> DocumentsFromFile(const std::string& path, FitnessKind kind,
                                                  int length, const TokenizerIdentity& model) {
  const DocumentFile file = ReadDocumentFileFor(path, model);
  std::vector<EvaluationDocument> documents;
  for (const DocumentSet* set : SelectSets(file, kind, length)) {
    documents.insert(documents.end(), set->documents.begin(), set->documents.end());
  }
  if (documents.empty()) {
    Fail("--eval-documents {}: no {} documents of length {} (the file holds {})", path,
         FitnessKindName(kind), length, DocumentFileContents(file));
  }
  return documents;
}

std::vector<int> ParseIntList(const std::string& text, const char* option) {
  std::vector<int> values;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    size_t used = 0;
    int value = 0;
    try {
      value = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    Check(used == item.size() && !item.empty(), "{}: '{}' is not an integer", option, item);
    values.push_back(value);
  }
  Check(!values.empty(), "{}: empty list", option);
  return values;
}

std::string ModelHash(const std::string& path) {
  if (!std::filesystem::is_directory(path)) return FileHash(path);
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.is_regular_file()) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  std::string joined;
  for (const std::string& file : files) {
    joined += std::filesystem::path(file).filename().string() + "=" + FileHash(file) + ";";
  }
  return joined;
}

// The lowest fitness among the evaluated candidates with n_hat == 0 (exportable to HF),
// the first one in log order on ties.
const Member* BestPortable(const SearchLog& log) {
  const Member* best = nullptr;
  for (const GenerationRecord& record : log.generations) {
    for (const Member& m : record.members) {
      if (m.candidate.n_hat != 0 || std::isnan(m.fitness)) continue;
      if (best == nullptr || m.fitness < best->fitness) best = &m;
    }
  }
  return best;
}

nlohmann::json FactorsJson(const std::vector<double>& factors) {
  nlohmann::json list = nlohmann::json::array();
  for (double f : factors) list.push_back(f);
  return list;
}

// The space of `method` for this model and target (critical index: --critical-index or the
// theoretical one; n_hat only for longrope).
SearchSpace BuildSpace(const SearchCommandOptions& options, SearchMethod method,
                       const RopeSpec& model_rope, int window, int target) {
  SearchSpaceOptions space_options;
  space_options.method = method;
  space_options.num_factors = model_rope.rotary_dim() / 2;
  space_options.scale = static_cast<double>(target) / window;
  space_options.max_scale = options.max_scale;
  space_options.grid_step = options.grid_step;
  if (method == SearchMethod::kLongRope2) {
    space_options.critical_index = options.critical_index >= 0
                                       ? options.critical_index
                                       : TheoreticalCriticalDimension(model_rope).critical_index;
    space_options.n_hat_grid = {0};
    space_options.below_critical = ParseBelowCritical(options.below_critical);
  } else {
    Check(options.below_critical == "search", "--below-critical {} needs --method longrope2",
          options.below_critical);
    space_options.n_hat_grid = ParseIntList(options.n_hat_grid, "--n-hat-grid");
  }
  return MakeSearchSpace(space_options);
}

// --evaluate: no search; the factors of a file against the baselines.
void EvaluateFactorFile(dist::Communicator& comm, const SearchCommandOptions& options,
                        const ModelConfig& config, Backend& backend, const Corpus& corpus,
                        const Tokenizer& tokenizer, const RopeSpec& rope_template, int target) {
  RopeSpec searched = rope_template;
  const ScalingFile file = ReadScalingFile(options.evaluate_factors);
  searched.long_factor = file.long_factor;
  // An attention-scale search's file: its attention scale (unless --attention-factor is given).
  if (!options.attention_factor) searched.attention_factor = file.attention_factor;
  searched.frequency_scale = file.frequency_scale;
  Check(static_cast<int>(searched.long_factor.size()) == config.rope.rotary_dim() / 2,
        "{}: {} factors, the model has {} frequencies", options.evaluate_factors,
        searched.long_factor.size(), config.rope.rotary_dim() / 2);
  searched.short_factor.assign(searched.long_factor.size(), 1.0);
  ValidateRopeSpec(searched);
  const int docs = options.compare_documents > 0 ? options.compare_documents : options.documents;
  nlohmann::json result = {
      {"factors", options.evaluate_factors},
      {"target_len", target},
      {"documents", docs},
      {"comparison", CompareWithBaselines(comm, backend, corpus, config.rope, searched, target,
                                          docs, options.seed, tokenizer)}};
  if (comm.IsRoot()) {
    std::cerr << "\n" << ComparisonMarkdown(result["comparison"], target) << std::endl;
    std::cout << result.dump(2) << std::endl;
  }
}

}  // namespace

// Upper bounds of the search's sizes (each far above any useful run).
constexpr int kMaxPopulation = 1000000;
constexpr int kMaxGenerations = 100000;
constexpr int kMaxDocuments = 10000;

void CheckSearchSizes(const SearchCommandOptions& options) {
  Check(options.population >= 2 && options.population <= kMaxPopulation,
        "--population: {} is outside [2, {}]", options.population, kMaxPopulation);
  for (const auto& [flag, value] : {std::pair{"--parents", options.parents},
                                    {"--mutations", options.mutations},
                                    {"--crossovers", options.crossovers}}) {
    Check(value >= 0 && value <= kMaxPopulation, "{}: {} is outside [0, {}]", flag, value,
          kMaxPopulation);
  }
  Check(options.generations >= 0 && options.generations <= kMaxGenerations,
        "--generations: {} is outside [0, {}]", options.generations, kMaxGenerations);
  Check(options.documents >= 1 && options.documents <= kMaxDocuments,
        "--documents: {} is outside [1, {}]", options.documents, kMaxDocuments);
  Check(options.compare_documents >= 0 && options.compare_documents <= kMaxDocuments,
        "--compare-documents: {} is outside [0, {}]", options.compare_documents, kMaxDocuments);
}

EvolutionParams EvolutionFromOptions(const SearchCommandOptions& o) {
  EvolutionParams p;
  p.population = o.population;
  p.parents = o.parents > 0 ? o.parents : std::max(1, o.population / 2);
  p.mutations = o.mutations > 0 ? o.mutations : o.population / 4;
  p.crossovers =
      o.crossovers > 0 ? o.crossovers : std::max(0, o.population - p.parents - p.mutations);
  if (p.mutations + p.crossovers == 0) p.mutations = 1;
  ValidateEvolutionParams(p);
  return p;
}

FitnessKind SearchFitnessKind(const SearchCommandOptions& options) {
  if (!options.fitness.empty()) return ParseFitnessKind(options.fitness, "--fitness");
  const bool short_window = ParseSearchedFactors(options.factors) == SearchedFactors::kShort;
  return short_window ? FitnessKind::kPerplexity : FitnessKind::kNeedle;
}

void RunSearchCommand(dist::Communicator& comm, const SearchCommandOptions& options) {
  const bool root = comm.IsRoot();
  const SearchMethod method = ParseSearchMethod(options.method);
  // Short-window recovery: the short factors of an extended model, scored on short documents.
  const bool short_window = ParseSearchedFactors(options.factors) == SearchedFactors::kShort;
  const FitnessKind fitness_kind = SearchFitnessKind(options);
  Check(!options.model.empty(), "--model is required");
  Check(!options.out.empty() || options.stop_after_generation >= 0 ||
            !options.evaluate_factors.empty(),
        "--out is required");
  Check(options.threads >= 0 && options.threads <= kMaxBackendThreads,
        "--threads: {} is outside [0, {}]", options.threads, kMaxBackendThreads);
  // Every number bounded before any work: a typo must not run for hours or exhaust memory.
  Check(options.target_len >= 0, "--target-len: {} < 0 (0 = 8 x the model's window)",
        options.target_len);
  CheckSearchSizes(options);
  Check(std::isfinite(options.max_scale) && options.max_scale >= 0.0,
        "--max-scale: {} is not a number >= 0 (0 = 2 s)", options.max_scale);
  Check(std::isfinite(options.grid_step) && options.grid_step > 0.0 && options.grid_step <= 1.0,
        "--grid-step: {} is outside (0, 1]", options.grid_step);
  Check(options.critical_index >= -1,
        "--critical-index: {} < -1 (-1 = the theoretical critical index)", options.critical_index);
  Check(!options.attention_factor ||
            (std::isfinite(*options.attention_factor) && *options.attention_factor > 0.0),
        "--attention-factor: {} is not a number > 0", options.attention_factor.value_or(0.0));
  Check(!options.resume || !options.log.empty(), "--resume needs --log (the log to resume from)");
  Check(options.stage == "factors" || options.stage == "attention-scale",
        "--stage: unknown stage '{}' (factors|attention-scale)", options.stage);
  Check(
      std::isfinite(options.init_scale) && (options.init_scale == 0.0 || options.init_scale > 1.0),
      "--init-scale: {} is not a scale > 1 (0 = use --init-factors as given)", options.init_scale);
  Check(options.init_scale == 0.0 || !options.init_factors.empty(),
        "--init-scale needs --init-factors (the factors to rescale)");
  if (short_window) {
    Check(options.init_scale == 0.0,
          "--init-scale rescales long factors to a larger target; not with --factors short");
    Check(options.evaluate_factors.empty() && options.compare_documents == 0,
          "--evaluate and --compare-documents score long factors against PI/NTK/YaRN; for short "
          "factors compare `ropescale eval ppl --model BEFORE --model OUT_MODEL --ropes model`");
  }
  // Fail now, not after hours of search: each output's folder exists and is writable, and no
  // output overwrites an input (the model, the corpus, a factor or document file).
  CheckOutputPaths(
      {{"--out", options.out}, {"--out-model", options.out_model}, {"--log", options.log}},
      {{"--model", options.model},
       {"--corpus", options.corpus},
       {"--eval-documents", options.eval_documents},
       {"--init-factors", options.init_factors},
       {"--evaluate", options.evaluate_factors}});

  const Checkpoint checkpoint = LoadModel(options.model);
  const ModelConfig& config = checkpoint.config;
  if (short_window) CheckShortRecoveryModel(config.rope, options.model);
  const int window = PretrainingContext(config.rope);
  Check(window > 0, "{}: the model's RoPE has no context length", options.model);
  const int target =
      options.target_len > 0 ? options.target_len : (short_window ? window : 8 * window);
  if (short_window) {
    Check(target >= 2 && target <= window,
          "--target-len {}: --factors short searches the factors of inputs up to the original "
          "window, so 2 <= target <= {}",
          target, window);
  } else {
    Check(target >= window, "--target-len {} is shorter than the original window {}", target,
          window);
  }
  const int num_factors = config.rope.rotary_dim() / 2;

  const SearchSpace space =
      short_window ? ShortFactorSpace(config.rope, options.max_scale, options.grid_step)
                   : BuildSpace(options, method, config.rope, window, target);
  const EvolutionParams evolution = EvolutionFromOptions(options);

  std::vector<Candidate> seeds;
  std::vector<double> init_factors;
  if (!options.init_factors.empty()) {
    init_factors =
        ReadFactorFile(options.init_factors, short_window ? "short_factor" : "long_factor");
    seeds.push_back(
        space.Snap(options.init_scale > 0.0
                       ? RescaleFactorsLinearly(init_factors, options.init_scale, space.scale)
                       : init_factors,
                   0));
  } else {
    seeds = short_window ? ShortFactorSeeds(space, config.rope)
                         : SeedCandidates(space, config.rope, target);
  }

  const std::unique_ptr<Tokenizer> tokenizer_owner = ModelTokenizer(checkpoint, options.model);
  const Tokenizer& tokenizer = *tokenizer_owner;
  // With an evaluation-document file the corpus serves only the comparison and --evaluate.
  const bool corpus_needed = options.eval_documents.empty() || options.compare_documents > 0 ||
                             !options.evaluate_factors.empty();
  const Corpus corpus = corpus_needed ? DocumentsAtLeast(ReadCorpus(options.corpus, tokenizer),
                                                         target + 1, "--corpus")
                                      : Corpus{};
  BackendOptions backend_options;
  backend_options.name = options.backend;
  backend_options.num_threads = options.threads;
  backend_options.device = options.device >= 0 ? options.device : comm.LocalRank();
  std::unique_ptr<Backend> backend = CreateBackend(config, backend_options);
  backend->SetParameters(checkpoint.weights);
  const CandidateRopeOptions rope_options{config.rope, target, options.attention_factor};
  const auto candidate_rope = [&](const Candidate& candidate) {
    return short_window ? ShortCandidateRope(space, config.rope, candidate)
                        : CandidateRope(space, rope_options, candidate);
  };
  if (!options.evaluate_factors.empty()) {
    EvaluateFactorFile(comm, options, config, *backend, corpus, tokenizer,
                       CandidateRope(space, rope_options, seeds.front()), target);
    return;
  }

  std::vector<EvaluationDocument> documents =
      options.eval_documents.empty()
          ? BuildEvaluationDocuments(fitness_kind, corpus, options.documents, target, options.seed,
                                     tokenizer)
          : DocumentsFromFile(options.eval_documents, fitness_kind, target, tokenizer.Identity());

  nlohmann::json settings = {
      {"method", SearchMethodName(space.method)},
      {"fitness", FitnessKindName(fitness_kind)},
      {"seed", options.seed},
      {"target_len", target},
      {"original_len", window},
      {"population", evolution.population},
      {"parents", evolution.parents},
      {"mutations", evolution.mutations},
      {"crossovers", evolution.crossovers},
      {"documents", options.documents},
      {"grid_divisions", space.divisions},
      {"max_scale", space.max_scale},
      {"critical_index", space.critical_index},
      {"n_hat_grid", space.n_hat_grid},
      {"attention_factor",
       options.attention_factor ? nlohmann::json(*options.attention_factor) : nlohmann::json()},
      {"init_factors", init_factors},
  };
  if (space.below_critical == BelowCritical::kNtk) settings["below_critical"] = "ntk";

  if (!options.eval_documents.empty()) settings["eval_documents"] = options.eval_documents;
  // Keys only present when their option is used, so other logs keep their bytes.
  if (short_window) settings["factors"] = "short";
  if (options.init_scale > 0.0) settings["init_scale"] = options.init_scale;

  SearchRunSettings run;
  run.space = space;
  run.evolution = evolution;
  run.seed = options.seed;
  run.generations = options.generations;
  run.stop_after_generation = options.stop_after_generation;
  run.log_path = options.log;
  run.resume = options.resume;
  const Provenance provenance = CurrentProvenance();
  run.header.command_line = provenance.command_line;
  run.header.version = kVersion;
  run.header.git_hash = kGitHash;
  run.header.time_utc = provenance.time_utc;
  run.header.ranks = comm.Size();
  run.header.model_path = options.model;
  run.header.model_hash = ModelHash(options.model);
  run.header.settings_json = settings.dump();
  run.header.documents = std::move(documents);
  if (options.stage == "attention-scale") {
    RunAttentionScaleStage(comm, options,
                           {checkpoint, *backend, corpus, tokenizer,
                            CandidateRope(space, rope_options, seeds.front()), target, run});
    return;
  }

  if (root) {
    spdlog::info(
        "search: {} on {} rank(s), {} -> {} tokens (s = {}), {} factors{}, {} {} "
        "documents, population {}, {} generations",
        short_window ? "short-window recovery" : SearchMethodName(method), comm.Size(), window,
        target, space.scale, num_factors,
        space.method == SearchMethod::kLongRope2
            ? fmt::format(" (critical index {})", space.critical_index)
            : std::string(),
        run.header.documents.size(), FitnessKindName(fitness_kind), evolution.population,
        options.generations);
  }

  const std::vector<EvaluationDocument>& docs = run.header.documents;
  const Scorer scorer = [&](const Candidate& candidate, int document) {
    if (comm.Rank() == options.inject_failure_rank) {
      Fail("injected failure while scoring document {} (--inject-failure-rank)", document);
    }
    return ScoreDocument(*backend, docs[document], candidate_rope(candidate));
  };
  const SearchOutcome outcome = RunSearch(comm, run, seeds, scorer);

  if (outcome.stopped_early && options.stop_after_generation >= 0) {
    if (root) {
      spdlog::warn("search: stopped after generation {} (--stop-after-generation)",
                   outcome.last_generation);
      std::cout << nlohmann::json{{"stopped_after_generation", outcome.last_generation}}.dump()
                << std::endl;
    }
    return;
  }

  // Export: the best HF-portable candidate (n_hat = 0), with the attention factor spelled out.
  const Member* portable = BestPortable(outcome.log);
  Check(portable != nullptr, "search: no candidate with n_hat = 0 was evaluated");
  RopeSpec exported = candidate_rope(portable->candidate);
  exported.attention_factor = ComputeRopeFrequencies(exported, target).attention_scaling;

  const char* searched = short_window ? "short_factor" : "long_factor";
  nlohmann::json result = {
      {"method", SearchMethodName(space.method)},
      {"fitness", FitnessKindName(fitness_kind)},
      {"target_len", target},
      {"original_len", window},
      {"last_generation", outcome.last_generation},
      {"best",
       {{"fitness", outcome.best.fitness},
        {"n_hat", outcome.best.candidate.n_hat},
        {searched, FactorsJson(space.Factors(outcome.best.candidate))}}},
      {"exported",
       {{"fitness", portable->fitness},
        {"n_hat", 0},
        {searched, FactorsJson(space.Factors(portable->candidate))}}},
  };
  if (space.method == SearchMethod::kLongRope2) result["critical_index"] = space.critical_index;
  if (short_window) result["factors"] = "short";

  if (options.compare_documents > 0) {
    result["comparison"] =
        CompareWithBaselines(comm, *backend, corpus, config.rope, exported, target,
                             options.compare_documents, options.seed, tokenizer);
  }

  if (!root) return;
  if (outcome.best.candidate.n_hat != 0) {
    spdlog::warn(
        "search: the best candidate has n_hat = {} (fitness {:.6f}), which HF cannot "
        "express; --out/--out-model hold the best with n_hat = 0 (fitness {:.6f})",
        outcome.best.candidate.n_hat, outcome.best.fitness, portable->fitness);
  }
  if (!options.out.empty()) {
    WriteTextAtomically(options.out, RopeScalingBlock(exported).dump(2) + "\n");
    result["out"] = options.out;
  }
  if (!options.out_model.empty()) {
    Checkpoint extended;
    extended.config = config;
    extended.config.rope = exported;
    extended.weights = checkpoint.weights;
    extended.weight_dtypes = checkpoint.weight_dtypes;
    extended.tokenizer = checkpoint.tokenizer;
    extended.provenance = provenance;
    WriteCheckpoint(options.out_model, extended);
    result["out_model"] = options.out_model;
  }
  if (!options.log.empty()) result["log"] = options.log;
  if (result.contains("comparison")) {
    std::cerr << "\n" << ComparisonMarkdown(result["comparison"], target) << std::endl;
  }
  std::cout << result.dump(2) << std::endl;
}

void RunSearchCommand(const SearchCommandOptions& options) {
  const dist::JobSession session;
  // Destroyed before the session ends MPI.
  const std::unique_ptr<dist::Communicator> comm = dist::WorldCommunicator();
  dist::RunOrAbortJob(*comm, [&] { RunSearchCommand(*comm, options); });
}

}  // namespace ropescale::search
