// Google Benchmark for the search's hot paths: making children (mutation, crossover with the
// history check) and scoring one (candidate, document) task on a tiny random CPU model.
#include <benchmark/benchmark.h>

#include "src/core/rng.h"
#include "src/eval/perplexity.h"
#include "src/search/evolution.h"
#include "src/search/fitness.h"
#include "tests/support/tiny_model.h"

namespace ropescale::search {
namespace {

SearchSpace Space() {
  SearchSpaceOptions options;
  options.method = SearchMethod::kLongRope2;
  options.num_factors = 64;  // head dim 128, as LLaMA
  options.scale = 8.0;
  options.critical_index = 35;
  return MakeSearchSpace(options);
}

void BM_NextGeneration(benchmark::State& state) {
  const SearchSpace space = Space();
  EvolutionParams params;  // 64 / 32 / 16 / 16 as the official defaults
  History history;
  std::vector<Member> population =
      InitialPopulation(space, params, {space.Snap(std::vector<double>(64, 8.0))}, 1, history);
  int generation = 1;
  for (auto _ : state) {
    for (size_t i = 0; i < population.size(); ++i) population[i].fitness = (i * 7919) % 101;
    population =
        NextGeneration(space, params, SelectParents(population, params), 1, generation++, history);
    benchmark::DoNotOptimize(population.data());
  }
  state.SetItemsProcessed(state.iterations() * (params.mutations + params.crossovers));
}
BENCHMARK(BM_NextGeneration);

void BM_ScoreDocument(benchmark::State& state) {
  const ModelConfig config = testing::TinyModelConfig({.vocab_size = 256,
                                                       .hidden_size = 64,
                                                       .intermediate_size = 192,
                                                       .num_layers = 2,
                                                       .num_heads = 4,
                                                       .num_kv_heads = 4,
                                                       .head_dim = 16,
                                                       .max_position_embeddings = 64});
  auto backend = testing::TinyBackend(config, 1, 1);
  const int length = static_cast<int>(state.range(0));
  EvaluationDocument doc;
  CounterRng rng(1, 1);
  for (int t = 0; t < length; ++t) doc.tokens.push_back(static_cast<int32_t>(rng.Below(256)));
  doc.targets.assign(doc.tokens.begin() + 1, doc.tokens.end());
  doc.targets.push_back(-1);
  doc.loss_weights.assign(length, 1.0f);
  SearchSpaceOptions options;
  options.num_factors = 8;
  options.scale = static_cast<double>(length) / 64;
  const SearchSpace space = MakeSearchSpace(options);
  const RopeSpec rope = CandidateRope(space, {config.rope, length, std::nullopt},
                                      space.Snap(std::vector<double>(8, options.scale)));
  for (auto _ : state) benchmark::DoNotOptimize(ScoreDocument(*backend, doc, rope));
  state.SetItemsProcessed(state.iterations() * length);  // tokens
}
BENCHMARK(BM_ScoreDocument)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ropescale::search

BENCHMARK_MAIN();
