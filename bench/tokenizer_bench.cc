// Google Benchmark for the tokenizers (io/tokenizer_registry.h) on the trained fixtures of
// tests/fixtures/tokenizers: encode throughput over the whole corpus (data/corpus, 38 plays,
// 4.96 MB; counters: tokens/s and bytes/s), and the latency of one small Encode (for the
// Hugging Face tokenizer: the round trip through the Python child's pipes).
// Run from the repository root, or set ROPESCALE_SOURCE_DIR.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "io/tokenizer_registry.h"
#include "src/core/read_file.h"

namespace ropescale {
namespace {

std::filesystem::path SourceDir() {
  const char* root = std::getenv("ROPESCALE_SOURCE_DIR");
  return root != nullptr ? root : ".";
}

const std::vector<std::string>& Corpus() {
  static const std::vector<std::string> texts = [] {
    std::vector<std::filesystem::path> files;
    for (const char* part : {"train", "heldout"}) {
      for (const auto& entry :
           std::filesystem::directory_iterator(SourceDir() / "data" / "corpus" / part)) {
        if (entry.path().extension() == ".txt") files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    out.reserve(files.size());
    for (const auto& file : files) out.push_back(ReadFileBytes(file.string()));
    return out;
  }();
  return texts;
}

std::string Spec(int which) {
  static const char* kSpecs[] = {"byte", "byte-level-bpe", "metaspace-bpe", "sentencepiece"};
  if (which == 0) return kSpecs[0];
  return (SourceDir() / "tests" / "fixtures" / "tokenizers" / kSpecs[which]).string();
}

void BM_EncodeCorpus(benchmark::State& state) {
  const auto tokenizer = OpenTokenizer(Spec(static_cast<int>(state.range(0))));
  state.SetLabel(DescribeTokenizer(tokenizer->Identity()).substr(0, 40));
  int64_t tokens = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    for (const std::string& text : Corpus()) {
      const std::vector<int32_t> ids = tokenizer->Encode(text);
      benchmark::DoNotOptimize(ids.data());
      tokens += static_cast<int64_t>(ids.size());
      bytes += static_cast<int64_t>(text.size());
    }
  }
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_EncodeCorpus)->DenseRange(0, 3)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_EncodeSmall(benchmark::State& state) {
  const auto tokenizer = OpenTokenizer(Spec(static_cast<int>(state.range(0))));
  state.SetLabel(DescribeTokenizer(tokenizer->Identity()).substr(0, 40));
  const std::string text = "The pass key is 71432. Remember it.";
  for (auto _ : state) {
    const std::vector<int32_t> ids = tokenizer->Encode(text);
    benchmark::DoNotOptimize(ids.data());
  }
}
BENCHMARK(BM_EncodeSmall)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace ropescale

BENCHMARK_MAIN();
