#include "src/search/attention_scale_stage.h"

#include <spdlog/spdlog.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/eval/baseline_comparison.h"
#include "src/eval/evaluation_documents.h"
#include "src/eval/perplexity.h"
#include "src/rope/hf_rope_config.h"
#include "src/rope/rope_frequencies.h"
#include "src/search/attention_scale.h"
#include "src/search/factor_file.h"

namespace ropescale::search {
namespace {

// The fixed RoPE: the template with the file's factors (exactly, not snapped) and the start
// attention scale a0 = --attention-factor, else the file's attention_factor, else the kind's
// default formula. Scalar search: a frequency_scale in the file stays fixed too.
RopeSpec FixedRope(const SearchCommandOptions& options, const PreparedSearch& prepared,
                   AttentionScaleKind kind, const ScalingFile& file, double& default_attention) {
  const std::string& path = options.init_factors;
  const size_t frequencies = prepared.rope_template.rotary_dim() / 2;
  Check(file.long_factor.size() == frequencies, "{}: {} factors, the model has {} frequencies",
        path, file.long_factor.size(), frequencies);
  Check(file.frequency_scale.empty() || file.frequency_scale.size() == frequencies,
        "{}: frequency_scale has {} entries, the model has {} frequencies", path,
        file.frequency_scale.size(), frequencies);
  RopeSpec fixed = prepared.rope_template;
  fixed.long_factor = file.long_factor;
  fixed.attention_factor.reset();
  fixed.frequency_scale.clear();
  if (kind == AttentionScaleKind::kScalar) fixed.frequency_scale = file.frequency_scale;
  try {
    default_attention = ComputeRopeFrequencies(fixed, prepared.target).attention_scaling;
  } catch (const Error& e) {
    Fail("{}: {}", path, e.what());
  }
  fixed.attention_factor =
      options.attention_factor.value_or(file.attention_factor.value_or(default_attention));
  return fixed;
}

nlohmann::json List(const std::vector<double>& values) {
  nlohmann::json list = nlohmann::json::array();
  for (double v : values) list.push_back(v);
  return list;
}

}  // namespace

void RunAttentionScaleStage(dist::Communicator& comm, const SearchCommandOptions& options,
                            PreparedSearch prepared) {
  const AttentionScaleKind kind = ParseAttentionScaleKind(options.attention_scale);
  const FitnessKind fitness_kind = SearchFitnessKind(options);
  Check(!options.init_factors.empty(),
        "--stage attention-scale needs --init-factors FILE: the factors to keep fixed (e.g. "
        "the factor search's --out)");
  const ScalingFile file = ReadScalingFile(options.init_factors);
  double default_attention = 1.0;
  const RopeSpec fixed = FixedRope(options, prepared, kind, file, default_attention);
  const double start = *fixed.attention_factor;

  SearchRunSettings& run = prepared.run;
  run.space = MakeAttentionScaleSpace({.kind = kind,
                                       .num_frequencies = fixed.rotary_dim() / 2,
                                       .min_multiplier = options.attention_scale_min,
                                       .max_multiplier = options.attention_scale_max,
                                       .grid_step = options.grid_step});
  const std::vector<double> init_scale =
      kind == AttentionScaleKind::kPerFrequency ? file.frequency_scale : std::vector<double>{};
  const std::vector<Candidate> seeds =
      AttentionScaleSeeds(run.space, kind, start, {default_attention, 1.0}, init_scale);
  const nlohmann::json settings = {
      {"stage", "attention-scale"},
      {"attention_scale", AttentionScaleKindName(kind)},
      {"method", RopeKindName(fixed.kind)},
      {"fitness", FitnessKindName(fitness_kind)},
      {"seed", run.seed},
      {"target_len", prepared.target},
      {"original_len", fixed.original_max_position_embeddings},
      {"population", run.evolution.population},
      {"parents", run.evolution.parents},
      {"mutations", run.evolution.mutations},
      {"crossovers", run.evolution.crossovers},
      {"documents", run.header.documents.size()},
      {"grid_divisions", run.space.divisions},
      {"multiplier_range",
       {run.space.Factor(run.space.lower.front()), run.space.Factor(run.space.upper.front())}},
      {"critical_index", fixed.critical_index},
      {"fixed_long_factor", List(fixed.long_factor)},
      {"fixed_frequency_scale", List(fixed.frequency_scale)},
      {"init_frequency_scale", List(init_scale)},
      {"start_attention_factor", start},
  };
  run.header.settings_json = settings.dump();

  const bool root = comm.IsRoot();
  if (root) {
    spdlog::info(
        "search: attention scale ({}) on {} rank(s), factors of {} fixed, start attention {} "
        "(default {}), multipliers in [{}, {}], {} {} documents of {} tokens",
        AttentionScaleKindName(kind), comm.Size(), options.init_factors, start, default_attention,
        run.space.Factor(run.space.lower.front()), run.space.Factor(run.space.upper.front()),
        run.header.documents.size(), FitnessKindName(fitness_kind), prepared.target);
  }
  const std::vector<EvaluationDocument>& docs = run.header.documents;
  const Scorer scorer = [&](const Candidate& candidate, int document) {
    return ScoreDocument(prepared.backend, docs[document],
                         AttentionScaleRope(run.space, kind, fixed, candidate));
  };
  const SearchOutcome outcome = RunSearch(comm, run, seeds, scorer);
  if (outcome.stopped_early && options.stop_after_generation >= 0) {
    if (root) {
      std::cout << nlohmann::json{{"stopped_after_generation", outcome.last_generation}}.dump()
                << std::endl;
    }
    return;
  }

  const RopeSpec best = AttentionScaleRope(run.space, kind, fixed, outcome.best.candidate);
  // Generation 0 starts with the seed m = 1: the fixed RoPE as it came.
  const Member& start_member = outcome.log.generations.front().members.front();
  nlohmann::json result = {
      {"stage", "attention-scale"},
      {"attention_scale", AttentionScaleKindName(kind)},
      {"method", RopeKindName(fixed.kind)},
      {"fitness", FitnessKindName(fitness_kind)},
      {"target_len", prepared.target},
      {"original_len", fixed.original_max_position_embeddings},
      {"last_generation", outcome.last_generation},
      {"long_factor", List(fixed.long_factor)},
      {"start", {{"fitness", start_member.fitness}, {"attention_factor", start}}},
      {"best",
       {{"fitness", outcome.best.fitness},
        {"attention_factor", *best.attention_factor},
        {"multipliers", List(run.space.Factors(outcome.best.candidate))}}},
  };
  if (!best.frequency_scale.empty()) {
    result["best"]["frequency_scale"] = List(best.frequency_scale);
  }
  if (options.compare_documents > 0) {
    result["comparison"] = CompareWithBaselines(
        comm, prepared.backend, prepared.corpus, prepared.checkpoint.config.rope, best,
        prepared.target, options.compare_documents, options.seed, prepared.tokenizer);
  }
  if (!root) return;

  if (!options.out.empty()) {
    // The HF block carries the scalar part; the per-frequency scale is ropescale's own key.
    RopeSpec portable = best;
    portable.frequency_scale.clear();
    nlohmann::json block = RopeScalingBlock(portable);
    if (!best.frequency_scale.empty()) {
      block["frequency_scale"] = List(best.frequency_scale);
      spdlog::warn(
          "search: {} holds ropescale's own key frequency_scale, which transformers ignores "
          "(with a warning) and vLLM/llama.cpp do not read: pasted into a HF config the RoPE "
          "runs with attention_factor alone; --out-model keeps the whole RoPE",
          options.out);
    }
    WriteTextAtomically(options.out, block.dump(2) + "\n");
    result["out"] = options.out;
  }
  if (!options.out_model.empty()) {
    Checkpoint extended;
    extended.config = prepared.checkpoint.config;
    extended.config.rope = best;
    extended.weights = prepared.checkpoint.weights;
    extended.weight_dtypes = prepared.checkpoint.weight_dtypes;
    extended.tokenizer = prepared.checkpoint.tokenizer;
    extended.provenance = CurrentProvenance();
    WriteCheckpoint(options.out_model, extended);
    result["out_model"] = options.out_model;
  }
  if (!options.log.empty()) result["log"] = options.log;
  if (result.contains("comparison")) {
    std::cerr << "\n" << ComparisonMarkdown(result["comparison"], prepared.target) << std::endl;
  }
  std::cout << result.dump(2) << std::endl;
}

}  // namespace ropescale::search
