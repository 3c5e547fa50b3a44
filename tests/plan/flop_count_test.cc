// The FLOP formulas against independent counts: a naive loop over the model's matmuls, the
// multiply-adds the CPU backend's BLAS calls really perform (counted by wrapping cblas_sgemm),
// and the hand estimate of LLaMA-3-8B at 131072 tokens in src/plan/README.md.
#include "src/plan/flop_count.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "src/model/backend.h"
#include "src/model/batch.h"
#include "src/plan/model_shapes.h"
#include "tests/plan/plan_test_config.h"
#include "tests/support/tiny_model.h"

// Every single-precision GEMM of this test binary passes through here (the executable's
// definition wins over libopenblas's for the statically linked CPU backend); the real one is
// found behind it. The signature is OpenBLAS's with its enums and blasint as int.
namespace {
std::atomic<int64_t> g_sgemm_macs{0};
std::atomic<int64_t> g_sgemm_calls{0};
}  // namespace

extern "C" void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                            const float* a, int lda, const float* b, int ldb, float beta, float* c,
                            int ldc) {
  using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int,
                         float, float*, int);
  static const auto real = reinterpret_cast<Sgemm>(dlsym(RTLD_NEXT, "cblas_sgemm"));
  g_sgemm_macs += int64_t{m} * n * k;
  ++g_sgemm_calls;
  real(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

namespace ropescale::plan {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Multiply-adds of one forward, counted the slow way: every projection weight [out, in] is met
// by every token; the head by `logit_tokens` tokens; attention by one loop over (layer, query
// head, query i, key j <= i) with head_dim multiply-adds for q.k and again for p.v.
struct NaiveMacs {
  int64_t layers = 0, attention = 0, head = 0;
};

NaiveMacs CountNaively(const ModelConfig& c, int64_t tokens, int64_t logit_tokens) {
  NaiveMacs macs;
  for (const auto& [name, shape] : ParameterShapes(c)) {
    if (shape.size() != 2) continue;  // norm weights: no matmul
    const int64_t size = shape[0] * shape[1];
    if (name == "lm_head.weight") {
      macs.head += logit_tokens * size;
    } else if (name == "model.embed_tokens.weight") {
      if (c.tie_word_embeddings) macs.head += logit_tokens * size;  // the head is the embedding
    } else if (EndsWith(name, "_proj.weight")) {
      macs.layers += tokens * size;
    } else {
      ADD_FAILURE() << "unexpected 2-D parameter " << name;
    }
  }
  for (int layer = 0; layer < c.num_layers; ++layer) {
    for (int head = 0; head < c.num_heads; ++head) {
      for (int64_t i = 0; i < tokens; ++i) {
        for (int64_t j = 0; j <= i; ++j) macs.attention += 2 * c.head_dim;
      }
    }
  }
  return macs;
}

TEST(FlopCount, ForwardEqualsANaiveCountTermByTerm) {
  for (bool tied : {false, true}) {
    ModelConfig c = SmallConfig();
    c.tie_word_embeddings = tied;
    const NaiveMacs naive = CountNaively(c, 19, 7);
    const ForwardFlops f = CountForwardFlops(c, 19, 7);
    EXPECT_EQ(f.layer_matmuls, 2.0 * naive.layers) << "tied " << tied;
    EXPECT_EQ(f.attention, 2.0 * naive.attention) << "tied " << tied;
    EXPECT_EQ(f.head, 2.0 * naive.head) << "tied " << tied;
  }
}

TEST(FlopCount, TrainingStepIsThreeTimesTheMatmulsAndThreeAndAHalfTimesAttention) {
  const ModelConfig c = SmallConfig();
  const NaiveMacs naive = CountNaively(c, 23, 23);
  const double matmuls = 2.0 * (naive.layers + naive.head), attention = 2.0 * naive.attention;
  const TrainingStepFlops plain = CountTrainingStepFlops(c, 23, false);
  EXPECT_EQ(plain.recompute, 0.0);
  EXPECT_DOUBLE_EQ(plain.Total(), 3.0 * matmuls + 3.5 * attention);
  const TrainingStepFlops recompute = CountTrainingStepFlops(c, 23, true);
  EXPECT_DOUBLE_EQ(recompute.recompute, 2.0 * naive.layers + attention);
  EXPECT_DOUBLE_EQ(recompute.Total(), plain.Total() + 2.0 * naive.layers + attention);
}

// The CPU backend's attention multiplies whole 64-row query blocks against every key up to
// the block's end (BlockProbs), so it does more multiply-adds than the causal count: per query
// head and product, sum over queries i of (end of i's block) keys x head_dim.
int64_t BlockedAttentionKeys(int64_t tokens) {
  int64_t keys = 0;
  for (int64_t i = 0; i < tokens; ++i) keys += std::min<int64_t>(tokens, (i / 64 + 1) * 64);
  return keys;
}

Batch EveryTokenScored(const ModelConfig& c, int tokens) {
  std::vector<int32_t> ids(tokens);
  for (int i = 0; i < tokens; ++i) ids[i] = (7 * i + 3) % c.vocab_size;
  Batch batch = MakeCausalLmBatch(ids, c.rope);
  batch.targets.back() = 5;  // the last position scored too: logits at all T positions
  return batch;
}

TEST(FlopCount, MatchesTheMultiplyAddsOfTheCpuBackend) {
  const ModelConfig c = SmallConfig();
  const int tokens = 100;  // one full 64-row block and a partial one
  auto backend = testing::TinyBackend(c, 3, 2);
  const Batch batch = EveryTokenScored(c, tokens);
  const int64_t per_product = int64_t{c.num_layers} * c.num_heads * c.head_dim;
  const int64_t causal_keys = int64_t{tokens} * (tokens + 1) / 2;
  const int64_t extra_keys = BlockedAttentionKeys(tokens) - causal_keys;

  g_sgemm_macs = 0;
  g_sgemm_calls = 0;
  backend->Forward(batch, ForwardOptions{.keep_activations = true});
  const int64_t forward_macs = g_sgemm_macs.exchange(0);
  ASSERT_GT(g_sgemm_calls.load(), 0) << "no sgemm was counted: the wrapper is not linked in";
  const ForwardFlops f = CountForwardFlops(c, tokens, tokens);
  // Forward: Q K^T and P V, each with the blocks' extra keys.
  EXPECT_EQ(static_cast<double>(forward_macs), f.Total() / 2 + 2.0 * per_product * extra_keys);

  backend->ZeroGradients();
  backend->Backward(static_cast<double>(tokens));
  const int64_t backward_macs = g_sgemm_macs.exchange(0);
  const TrainingStepFlops t = CountTrainingStepFlops(c, tokens, false);
  // Backward: five products of the same blocked shape (P recomputed, dP, dQ, dK, dV).
  EXPECT_EQ(static_cast<double>(backward_macs), t.backward / 2 + 5.0 * per_product * extra_keys);
}

// src/plan/README.md, "LLaMA-3-8B at 131072 tokens by hand": per layer 218,103,808 weights,
// lm_head 525,336,576; forward = 2 T (32 x 218,103,808 + 525,336,576) + 2 x 32 x 32 x 128 x
// T (T + 1) = 1.9673e15 + 4.5036e15 = 6.4709e15 FLOP. The "about 6.6 PFLOP" is the
// rule of thumb 2 N T + 2 L D T^2 with all N = 8.03e9 parameters (the embedding lookup counted
// as a matmul): 6.6086e15.
TEST(FlopCount, Llama3_8bAt131072AgreesWithTheHandEstimate) {
  const ModelConfig c = NamedModelShape("llama3-8b");
  EXPECT_EQ(LayerMatmulWeights(c), 218103808);
  EXPECT_EQ(HeadMatmulWeights(c), 525336576);
  const double t = 131072.0;
  const ForwardFlops f = CountForwardFlops(c, 131072, 131072);
  const double hand = 6.4709e15;
  EXPECT_NEAR(f.Total() / hand, 1.0, 1e-4) << f.Total();
  const double rule_of_thumb = 2.0 * 8.03e9 * t + 2.0 * 32 * 4096 * t * t;
  EXPECT_NEAR(rule_of_thumb, 6.6086e15, 0.0001e15);
  EXPECT_NEAR(f.Total() / 6.6e15, 1.0, 0.02) << "the issue's 'about 6.6 PFLOP'";
  EXPECT_NEAR(f.layer_matmuls + f.head, 1.9673e15, 0.0001e15);
  EXPECT_NEAR(f.attention, 4.5036e15, 0.0001e15);
}

}  // namespace
}  // namespace ropescale::plan
