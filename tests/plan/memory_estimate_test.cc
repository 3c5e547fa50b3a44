// Memory terms against hand computations for a small config (each buffer of the CPU backend's
// layout named and sized by hand), and against published sizes of LLaMA-3-8B.
#include "src/plan/memory_estimate.h"

#include <gtest/gtest.h>

#include "src/plan/model_shapes.h"
#include "tests/plan/plan_test_config.h"

namespace ropescale::plan {
namespace {

// Parameters by hand: embedding 37 x 24 = 888; per layer two norms 48, q 48 x 24 = 1152, k and
// v 16 x 24 = 384 each, o 1152, gate, up, down 56 x 24 = 1344 each: 7152; 3 layers 21456;
// final norm 24; lm_head 888. Total 23256.
constexpr int64_t kParameters = 23256;

MemoryOptions Cpu(int threads) {
  return MemoryOptions{DefaultBackendProfile("cpu").bytes, 0, 64, threads};
}

TEST(MemoryEstimate, LayerElementsNameEveryBufferOfTheCpuBackend) {
  const ModelConfig c = SmallConfig();
  // norm1 24 + q 48 + k 16 + v 16 + att 48 + norm2 24 + gate, up, mlp 56 each + rstd1, rstd2.
  EXPECT_EQ(ForwardLayerElements(c), 24 + 48 + 16 + 16 + 48 + 24 + 3 * 56 + 2);
  // ... + x_in 24 + x_mid 24.
  EXPECT_EQ(KeptLayerElements(c), 346 + 48);
  // dx, dnorm 24 each; dmlp, dgate, dup 56 each; datt, dq 48 each; dk, dv 16 each.
  EXPECT_EQ(BackwardLayerElements(c), 2 * 24 + 3 * 56 + 2 * 48 + 2 * 16);
}

TEST(MemoryEstimate, ForwardOnTheCpuBackendByHand) {
  const ModelConfig c = SmallConfig();
  ASSERT_EQ(ParameterCount(c), kParameters);
  const ForwardMemory m = EstimateForwardMemory(c, 100, 100, Cpu(2));
  EXPECT_EQ(m.weights, kParameters * 4);
  EXPECT_EQ(m.residual, 100 * (24 + 8) * 4);                  // x [T, D] and cos, sin [T, 4] each
  EXPECT_EQ(m.layer, 100 * 346 * 4);                          // one layer, reused
  EXPECT_EQ(m.attention_scratch, 2 * 64 * 100 * 4);           // 2 threads x 64 rows x T
  EXPECT_EQ(m.head, 100 * (24 + 24 + 1) * 4 + 100 * 37 * 4);  // x, norm, rstd; logits [T, V]
  EXPECT_EQ(m.Total(), m.weights + m.residual + m.layer + m.attention_scratch + m.head);
  // A needle loss scores a handful of tokens: only they reach the head.
  EXPECT_EQ(EstimateForwardMemory(c, 100, 5, Cpu(2)).head, 5 * 49 * 4 + 5 * 37 * 4);
}

TEST(MemoryEstimate, TrainingStepOnTheCpuBackendByHand) {
  const ModelConfig c = SmallConfig();
  const TrainingMemory m = EstimateTrainingMemory(c, 100, false, Cpu(2));
  EXPECT_EQ(m.weights, kParameters * 4);
  EXPECT_EQ(m.master, 0);  // the fp32 weights are the master copy
  EXPECT_EQ(m.gradients, kParameters * 4);
  EXPECT_EQ(m.moments, 2 * kParameters * 4);
  // 3 layers x 394 kept per token, plus x_final 24 and cos/sin 8.
  EXPECT_EQ(m.stored_activations, (3 * 394 + 24 + 8) * 100 * 4);
  EXPECT_EQ(m.recomputed_layer, 0);
  EXPECT_EQ(m.backward_scratch, 344 * 100 * 4);
  EXPECT_EQ(m.attention_scratch, 2 * 2 * 64 * 100 * 4);  // probs and dprobs per thread
  // x_scored, norm_final, dhead, dx_scored [T, D], rstd [T]; logits and dlogits [T, V].
  EXPECT_EQ(m.head, 100 * (4 * 24 + 1) * 4 + 2 * 100 * 37 * 4);

  const TrainingMemory r = EstimateTrainingMemory(c, 100, true, Cpu(2));
  EXPECT_EQ(r.State(), m.State());
  EXPECT_EQ(r.stored_activations, (3 * 24 + 24 + 8) * 100 * 4);  // each layer's input only
  EXPECT_EQ(r.recomputed_layer, 394 * 100 * 4);                  // one layer rebuilt at a time
  EXPECT_EQ(r.backward_scratch, m.backward_scratch);
  EXPECT_LT(r.Total(), m.Total());
}

TEST(MemoryEstimate, CudaElementSizesAndLogitChunks) {
  const ModelConfig c = SmallConfig();
  const BackendProfile cuda = DefaultBackendProfile("cuda");
  const MemoryOptions options{cuda.bytes, 16, 0, 1};
  const TrainingMemory m = EstimateTrainingMemory(c, 100, false, options);
  EXPECT_EQ(m.weights, kParameters * 2);    // bf16 working copy
  EXPECT_EQ(m.master, kParameters * 4);     // fp32 master
  EXPECT_EQ(m.gradients, kParameters * 4);  // the float32 gradient buffer
  EXPECT_EQ(m.moments, 2 * kParameters * 4);
  EXPECT_EQ(m.stored_activations, (3 * 394 + 24 + 8) * 100 * 2);
  EXPECT_EQ(m.attention_scratch, 0);                           // flash attention
  EXPECT_EQ(m.head, 16 * (4 * 24 + 1) * 2 + 2 * 16 * 37 * 4);  // one chunk of 16 tokens
  EXPECT_EQ(EstimateForwardMemory(c, 100, 100, options).head, 16 * 49 * 2 + 16 * 37 * 4);
  EXPECT_EQ(EstimateForwardMemory(c, 10, 10, options).head, 10 * 49 * 2 + 10 * 37 * 4);
  // Greedy decoding: keys and values of 3 layers x 100 tokens x 16.
  EXPECT_EQ(DecodeCacheBytes(c, 100, cuda.bytes), 2 * 3 * 100 * 16 * 2);
}

TEST(MemoryEstimate, Llama3_8bMatchesItsPublishedSizes) {
  const ModelConfig c = NamedModelShape("llama3-8b");
  const MemoryOptions cuda{DefaultBackendProfile("cuda").bytes, 4096, 0, 1};
  // The bf16 safetensors of Meta-Llama-3-8B hold 16,060,522,496 bytes of weights.
  EXPECT_EQ(EstimateForwardMemory(c, 131072, 131072, cuda).weights, 16060522496);
  // KV cache at 128K in bf16: 2 x 32 layers x 131072 x 8 heads x 128 x 2 bytes = 16 GiB.
  EXPECT_EQ(DecodeCacheBytes(c, 131072, cuda.bytes), int64_t{16} << 30);
}

}  // namespace
}  // namespace ropescale::plan
