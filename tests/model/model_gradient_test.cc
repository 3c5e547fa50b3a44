// Whole-model gradient check: the analytic gradient of the CPU backend (fp32) against central
// differences of its own forward loss, for a sample of entries of EVERY parameter tensor.
// fp32 forward: step h = 1e-2 on weights of spread 0.3; an entry passes when
// |numeric - analytic| <= 3e-2 * |analytic| + floor, floor = 1e-2 * rms(tensor's gradient) +
// 2e-5 (fp32 rounding of the mean loss is ~1e-7, i.e. ~1e-5 after dividing by 2h; the rest is
// the O(h^2) truncation). The floor is relative to the tensor's own gradient scale, so a wrong
// entry of a tensor whose gradients are all small is not waved through.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "src/core/rng.h"
#include "src/model/backend.h"
#include "tests/model/model_test_util.h"

namespace ropescale {
namespace {

double MeanLoss(Backend& backend, const ParameterSet& params, const Batch& batch) {
  backend.SetParameters(params);
  return backend.Forward(batch, {}).loss.Mean();
}

void CheckModelGradient(const ModelConfig& config, const Batch& batch) {
  auto backend = CreateBackend(config, {});
  ParameterSet params = testing::SpreadParameters(config, 5);
  backend->SetParameters(params);
  backend->ZeroGradients();
  ForwardOptions keep;
  keep.keep_activations = true;
  const ForwardOutput out = backend->Forward(batch, keep);
  backend->Backward(out.loss.weight);
  const ParameterSet grads = backend->GetGradients();

  CounterRng rng(42, 3);
  constexpr int kSamplesPerTensor = 6;
  constexpr double kStep = 1e-2;
  int checked = 0;
  double worst = 0.0;  // largest |numeric - analytic| / tolerance, reported
  for (auto& [name, tensor] : params) {
    const Tensor& grad = grads.at(name);
    double grad_norm = 0.0;
    for (float g : grad.data) grad_norm += double(g) * g;
    EXPECT_GT(grad_norm, 0.0) << name << " gets no gradient";
    const double floor = 1e-2 * std::sqrt(grad_norm / static_cast<double>(grad.data.size())) + 2e-5;
    for (int s = 0; s < kSamplesPerTensor; ++s) {
      const int64_t i = static_cast<int64_t>(rng.Below(tensor.numel()));
      const float saved = tensor.data[i];
      tensor.data[i] = saved + static_cast<float>(kStep);
      const double plus = MeanLoss(*backend, params, batch);
      tensor.data[i] = saved - static_cast<float>(kStep);
      const double minus = MeanLoss(*backend, params, batch);
      tensor.data[i] = saved;
      const double numeric = (plus - minus) / (2 * kStep);
      const double analytic = grad.data[i];
      const double tol = 3e-2 * std::abs(analytic) + floor;
      EXPECT_NEAR(numeric, analytic, tol) << name << "[" << i << "]";
      worst = std::max(worst, std::abs(numeric - analytic) / tol);
      ++checked;
    }
  }
  std::printf("checked %d entries; worst |num - ana| / tolerance = %.2e\n", checked, worst);
  EXPECT_EQ(checked, kSamplesPerTensor * static_cast<int>(params.size()));
}

TEST(ModelGradient, GroupedQueryAttentionWithLossWeights) {
  const ModelConfig config = testing::TinyConfig();
  Batch batch = testing::RandomBatch(config, 2, 9, 11);
  batch.loss_weights.assign(batch.tokens.size(), 1.0f);
  batch.loss_weights[3] = 2.5f;
  batch.loss_weights[10] = 0.0f;
  CheckModelGradient(config, batch);
}

TEST(ModelGradient, PartialRotaryPackedDocumentsTiedEmbeddings) {
  ModelConfig config = testing::TinyConfig();
  config.tie_word_embeddings = true;
  config.num_kv_heads = 1;
  config.rope = testing::TinyRope(8, 0.5);
  Batch batch = testing::RandomBatch(config, 2, 10, 12);
  batch.segment_ids = {0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6};
  batch.positions = {0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2};
  batch.targets[3] = kIgnoreTarget;
  batch.targets[16] = kIgnoreTarget;
  RopeSpec linear = config.rope;
  linear.kind = RopeKind::kLinear;
  linear.factor = 2.0;
  batch.ropes = {config.rope, linear};
  CheckModelGradient(config, batch);
}

TEST(ModelGradient, ScalePerFrequencyInForwardAndBackward) {
  const ModelConfig config = testing::TinyConfig();
  Batch batch = testing::RandomBatch(config, 2, 9, 13);
  RopeSpec scaled = config.rope;
  scaled.frequency_scale = {0.6, 1.0, 1.4, 2.5};
  batch.ropes = {scaled};
  // The scale reaches the forward: the loss is not the plain RoPE's.
  auto backend = CreateBackend(config, {});
  backend->SetParameters(testing::SpreadParameters(config, 5));
  Batch plain = batch;
  plain.ropes = {config.rope};
  EXPECT_NE(backend->Forward(batch, {}).loss.Mean(), backend->Forward(plain, {}).loss.Mean());
  CheckModelGradient(config, batch);
}

}  // namespace
}  // namespace ropescale
