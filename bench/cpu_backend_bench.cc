// Throughput of the CPU backend on the embedded tiny model's shape (vocab 256, hidden 128,
// 4 layers, 4 heads of 32, FFN 384): forward tokens/s at T = 256 and 2048 (what the search
// runs), train-step tokens/s (forward + backward + AdamW) at T = 256, batch 16, and greedy
// generation tokens/s with the KV cache against full recomputation at T = 256 and 2048.
// Threads: BackendOptions.num_threads = 0 (all cores); set OMP_NUM_THREADS to compare.
#include <benchmark/benchmark.h>

#include "src/core/rng.h"
#include "src/model/backend.h"
#include "tests/support/tiny_model.h"

namespace ropescale {
namespace {

ModelConfig EmbeddedModel(int hidden) {
  return testing::TinyModelConfig({.vocab_size = 256,
                                   .hidden_size = hidden,
                                   .intermediate_size = 3 * hidden,
                                   .num_layers = 4,
                                   .num_heads = 4,
                                   .num_kv_heads = 4,
                                   .head_dim = 32,
                                   .max_position_embeddings = 256});
}

Batch RandomBatch(const ModelConfig& config, int batch_size, int seq_len) {
  CounterRng rng(1, 2);
  Batch b;
  b.batch_size = batch_size;
  b.seq_len = seq_len;
  for (int i = 0; i < batch_size * seq_len; ++i) {
    b.tokens.push_back(static_cast<int32_t>(rng.Below(config.vocab_size)));
  }
  b.targets = b.tokens;
  b.ropes = {config.rope};
  return b;
}

void BM_Forward(benchmark::State& state) {
  const ModelConfig config = EmbeddedModel(static_cast<int>(state.range(2)));
  auto backend = testing::TinyBackend(config, 1, 0);
  const Batch batch =
      RandomBatch(config, static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  for (auto _ : state) benchmark::DoNotOptimize(backend->Forward(batch, {}).loss.weighted_loss);
  state.counters["tokens/s"] = benchmark::Counter(
      static_cast<double>(batch.tokens.size()) * state.iterations(), benchmark::Counter::kIsRate);
}

void BM_TrainStep(benchmark::State& state) {
  const ModelConfig config = EmbeddedModel(static_cast<int>(state.range(2)));
  auto backend = testing::TinyBackend(config, 1, 0);
  const Batch batch =
      RandomBatch(config, static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  ForwardOptions keep;
  keep.keep_activations = true;
  for (auto _ : state) {
    backend->ZeroGradients();
    const ForwardOutput out = backend->Forward(batch, keep);
    backend->Backward(out.loss.weight);
    benchmark::DoNotOptimize(backend->OptimizerStep({}, 1e-3));
  }
  state.counters["tokens/s"] = benchmark::Counter(
      static_cast<double>(batch.tokens.size()) * state.iterations(), benchmark::Counter::kIsRate);
}

// Greedy generation of B rows at context T (embedded shape): a DecodeStep against a cache of
// about T tokens (16 steps after a prompt of T - 16, the prompt untimed), and the full
// recompute it replaces, a Forward of T tokens per row for the last logits (head on the last
// tokens only). Counter: generated tokens/s (all rows).
constexpr int kDecodeSteps = 16;

void BM_DecodeStep(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0)), seq_len = static_cast<int>(state.range(1));
  const ModelConfig config = EmbeddedModel(128);
  auto backend = testing::TinyBackend(config, 1, 0);
  const Batch prompt = RandomBatch(config, rows, seq_len - kDecodeSteps);
  for (auto _ : state) {
    state.PauseTiming();
    backend->BeginDecode({rows, seq_len, {config.rope}});
    backend->Prefill(prompt.tokens);
    state.ResumeTiming();
    for (int step = 0; step < kDecodeSteps; ++step) {
      benchmark::DoNotOptimize(backend->DecodeStep(std::vector<int32_t>(rows, step)).data());
    }
  }
  state.counters["tokens/s"] = benchmark::Counter(
      static_cast<double>(kDecodeSteps) * rows * state.iterations(), benchmark::Counter::kIsRate);
}

void BM_RecomputeStep(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0));
  const ModelConfig config = EmbeddedModel(128);
  auto backend = testing::TinyBackend(config, 1, 0);
  Batch batch = RandomBatch(config, rows, static_cast<int>(state.range(1)));
  batch.targets.assign(batch.tokens.size(), kIgnoreTarget);
  ForwardOptions options;
  options.want_last_logits = true;
  for (auto _ : state)
    benchmark::DoNotOptimize(backend->Forward(batch, options).last_logits.data());
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(rows) * state.iterations(),
                                                  benchmark::Counter::kIsRate);
}

// Args: batch, seq_len, hidden.
BENCHMARK(BM_Forward)
    ->Args({16, 256, 128})
    ->Args({1, 2048, 128})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_TrainStep)
    ->Args({16, 256, 128})
    ->Args({16, 256, 192})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// Args: rows, context T.
BENCHMARK(BM_DecodeStep)
    ->Args({1, 256})
    ->Args({1, 2048})
    ->Args({8, 256})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_RecomputeStep)
    ->Args({1, 256})
    ->Args({1, 2048})
    ->Args({8, 256})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace ropescale

BENCHMARK_MAIN();
