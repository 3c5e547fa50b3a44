// AdamW of the CPU backend against a step computed by hand, and exact resume from its state.
#include <gtest/gtest.h>

#include <cmath>

#include "src/model/backend.h"
#include "tests/model/model_test_util.h"

namespace ropescale {
namespace {

using testing::SpreadParameters;
using testing::TinyConfig;

ParameterSet ConstantGradients(const ModelConfig& config, float scale) {
  ParameterSet grads;
  for (const auto& [name, shape] : ParameterShapes(config)) {
    Tensor t(shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data[i] = scale * static_cast<float>((i % 7) - 3);
    grads.emplace(name, std::move(t));
  }
  return grads;
}

TEST(AdamW, TwoStepsMatchHandComputation) {
  const ModelConfig config = TinyConfig();
  auto backend = CreateBackend(config, {});
  const ParameterSet p0 = SpreadParameters(config, 1);
  backend->SetParameters(p0);
  AdamWConfig adam;
  adam.beta1 = 0.8;
  adam.beta2 = 0.9;
  adam.eps = 1e-6;
  adam.weight_decay = 0.1;
  adam.grad_clip = 1.0;
  const double lr = 0.01;
  const ParameterSet g1 = ConstantGradients(config, 0.01f);     // global norm > 1: clipped
  const ParameterSet g2 = ConstantGradients(config, -0.0001f);  // not clipped
  double norm1 = 0.0;
  for (const auto& [n, t] : g1) {
    for (float x : t.data) norm1 += double(x) * x;
  }
  norm1 = std::sqrt(norm1);
  ASSERT_GT(norm1, 1.0);

  backend->SetGradients(g1);
  EXPECT_NEAR(backend->OptimizerStep(adam, lr), norm1, 1e-6 * norm1);
  backend->SetGradients(g2);
  backend->OptimizerStep(adam, lr);
  const ParameterSet p2 = backend->GetParameters();

  for (const char* name : {"model.layers.1.mlp.up_proj.weight", "model.norm.weight"}) {
    const bool decayed = p0.at(name).shape.size() == 2;
    for (int64_t i : {0, 1, 5, 13}) {
      // Hand computation, straight from the AdamW definition.
      double p = p0.at(name).data[i], m = 0, v = 0;
      const double grads[2] = {g1.at(name).data[i] * (1.0 / (norm1 + 1e-6)), g2.at(name).data[i]};
      for (int t = 1; t <= 2; ++t) {
        const double g = grads[t - 1];
        if (decayed) p -= lr * 0.1 * p;
        m = 0.8 * m + 0.2 * g;
        v = 0.9 * v + 0.1 * g * g;
        const double m_hat = m / (1 - std::pow(0.8, t)), v_hat = v / (1 - std::pow(0.9, t));
        p -= lr * m_hat / (std::sqrt(v_hat) + 1e-6);
      }
      EXPECT_NEAR(p2.at(name).data[i], p, 1e-6) << name << "[" << i << "]";
    }
  }
  EXPECT_EQ(backend->GetOptimizerState().step, 2);
}

TEST(AdamW, StateRoundTripGivesIdenticalNextStep) {
  const ModelConfig config = TinyConfig();
  AdamWConfig adam;
  auto a = CreateBackend(config, {});
  a->SetParameters(SpreadParameters(config, 2));
  for (int s = 0; s < 3; ++s) {
    a->SetGradients(ConstantGradients(config, 0.001f * (s + 1)));
    a->OptimizerStep(adam, 1e-3);
  }
  auto b = CreateBackend(config, {});
  b->SetParameters(a->GetParameters());
  b->SetOptimizerState(a->GetOptimizerState());
  const ParameterSet next = ConstantGradients(config, -0.002f);
  a->SetGradients(next);
  b->SetGradients(next);
  a->OptimizerStep(adam, 1e-3);
  b->OptimizerStep(adam, 1e-3);
  EXPECT_EQ(a->GetParameters(), b->GetParameters());
  EXPECT_EQ(a->GetOptimizerState().m, b->GetOptimizerState().m);
  EXPECT_EQ(a->GetOptimizerState().v, b->GetOptimizerState().v);
  EXPECT_EQ(b->GetOptimizerState().step, 4);

  // A fresh backend without the state takes a different step (the state matters).
  auto c = CreateBackend(config, {});
  c->SetParameters(b->GetParameters());
  c->SetGradients(next);
  c->OptimizerStep(adam, 1e-3);
  b->SetGradients(next);
  b->OptimizerStep(adam, 1e-3);
  EXPECT_NE(b->GetParameters(), c->GetParameters());
}

TEST(AdamW, NonFiniteGradientReturnsTheNormAndLeavesWeights) {
  const ModelConfig config = TinyConfig();
  auto backend = CreateBackend(config, {});
  backend->SetParameters(SpreadParameters(config, 5));
  const ParameterSet before = backend->GetParameters();
  ParameterSet grads = ConstantGradients(config, 0.01f);
  grads.at("model.norm.weight").data[2] = NAN;
  backend->SetGradients(grads);
  EXPECT_FALSE(std::isfinite(backend->OptimizerStep({}, 1e-3)));
  EXPECT_EQ(backend->GetParameters(), before);
  EXPECT_EQ(backend->GetOptimizerState().step, 0);
}

TEST(AdamW, TrainingReducesTheLoss) {
  const ModelConfig config = TinyConfig();
  auto backend = CreateBackend(config, {});
  backend->SetParameters(InitParameters(config, 3));
  Batch batch = testing::RandomBatch(config, 2, 16, 4);
  ForwardOptions keep;
  keep.keep_activations = true;
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 30; ++step) {
    backend->ZeroGradients();
    const ForwardOutput out = backend->Forward(batch, keep);
    backend->Backward(out.loss.weight);
    backend->OptimizerStep({}, 1e-2);
    (step == 0 ? first : last) = out.loss.Mean();
  }
  EXPECT_NEAR(first, std::log(32.0), 0.05);  // small init: nearly uniform predictions
  EXPECT_LT(last, first - 0.5);              // memorising one batch
}

}  // namespace
}  // namespace ropescale
