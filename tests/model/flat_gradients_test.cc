// The flat gradient buffer of the CPU backend (what a data-parallel trainer all-reduces in
// place), AllFinite, master weights in the optimizer state, and FlatParameters itself.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "src/core/error.h"
#include "src/model/backend.h"
#include "src/model/flat_parameters.h"
#include "tests/model/model_test_util.h"

namespace ropescale {
namespace {

using testing::RandomBatch;
using testing::SpreadParameters;
using testing::TinyConfig;

std::unique_ptr<Backend> MakeBackend(const ModelConfig& config, uint64_t seed) {
  BackendOptions options;
  options.num_threads = 2;
  auto backend = CreateBackend(config, options);
  backend->SetParameters(SpreadParameters(config, seed));
  return backend;
}

// Gradients of one kept forward on a 4-row batch (2 row groups with 2 threads).
void ComputeGradients(Backend& backend, const ModelConfig& config) {
  ForwardOptions keep;
  keep.keep_activations = true;
  backend.ZeroGradients();
  const ForwardOutput out = backend.Forward(RandomBatch(config, 4, 11, 5), keep);
  backend.Backward(out.loss.weight);
}

TEST(FlatGradients, BufferIsEveryGradientInParameterShapesOrder) {
  for (bool tied : {false, true}) {
    ModelConfig config = TinyConfig();
    config.tie_word_embeddings = tied;
    auto backend = MakeBackend(config, 3);
    ComputeGradients(*backend, config);
    const BufferView view = backend->GradientBuffer();
    ASSERT_EQ(view.type, DataType::kFloat32);
    ASSERT_EQ(view.space, MemorySpace::kHost);
    ASSERT_EQ(view.count, ParameterCount(config));
    const float* flat = static_cast<const float*>(view.data);
    const ParameterSet grads = backend->GetGradients();
    int64_t offset = 0, nonzero = 0;
    for (const auto& [name, shape] : ParameterShapes(config)) {
      const Tensor& g = grads.at(name);
      ASSERT_EQ(g.shape, shape) << name;
      for (int64_t i = 0; i < g.numel(); ++i) {
        ASSERT_EQ(flat[offset + i], g.data[i]) << name << " at " << i;
        nonzero += g.data[i] != 0.0f;
      }
      offset += g.numel();
    }
    EXPECT_EQ(offset, view.count);
    EXPECT_GT(nonzero, view.count / 2);
    // The view stays valid: zeroing the gradients zeroes what it shows.
    backend->ZeroGradients();
    EXPECT_EQ(backend->GradientBuffer().data, view.data);
    for (int64_t i = 0; i < view.count; ++i) ASSERT_EQ(flat[i], 0.0f);
  }
}

// Doubling the buffer in place (an all-reduce of two equal ranks) is SetGradients of the
// doubled set: the same norm, weights and moments, bit for bit.
TEST(FlatGradients, InPlaceChangeIsWhatOptimizerStepUses) {
  const ModelConfig config = TinyConfig();
  AdamWConfig adam;
  adam.grad_clip = 0.5;  // the doubled norm decides the clipping
  auto in_place = MakeBackend(config, 4);
  auto by_set = MakeBackend(config, 4);
  ComputeGradients(*in_place, config);
  ParameterSet doubled = in_place->GetGradients();
  for (auto& [name, tensor] : doubled) {
    for (float& g : tensor.data) g *= 2.0f;
  }
  const BufferView view = in_place->GradientBuffer();
  float* flat = static_cast<float*>(view.data);
  for (int64_t i = 0; i < view.count; ++i) flat[i] *= 2.0f;
  by_set->SetGradients(doubled);

  const double norm_in_place = in_place->OptimizerStep(adam, 1e-2);
  const double norm_by_set = by_set->OptimizerStep(adam, 1e-2);
  EXPECT_EQ(norm_in_place, norm_by_set);
  EXPECT_GT(norm_in_place, adam.grad_clip);
  EXPECT_TRUE(in_place->GetParameters() == by_set->GetParameters());
  const OptimizerState a = in_place->GetOptimizerState(), b = by_set->GetOptimizerState();
  EXPECT_EQ(a.step, 1);
  EXPECT_EQ(b.step, 1);
  EXPECT_TRUE(a.m == b.m);
  EXPECT_TRUE(a.v == b.v);
  EXPECT_TRUE(a.master.empty());  // the CPU weights are the fp32 master copy
  EXPECT_FALSE(in_place->GetParameters() == SpreadParameters(config, 4));  // it did step
}

TEST(FlatGradients, NonFiniteNormLeavesEverythingUntouched) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 6);
  ComputeGradients(*backend, config);
  static_cast<float*>(backend->GradientBuffer().data)[7] = std::numeric_limits<float>::infinity();
  const ParameterSet before = backend->GetParameters();
  EXPECT_FALSE(std::isfinite(backend->OptimizerStep({}, 1e-2)));
  EXPECT_TRUE(backend->GetParameters() == before);
  EXPECT_EQ(backend->GetOptimizerState().step, 0);
  EXPECT_TRUE(backend->AllFinite());
}

TEST(AllFinite, SeesANonFiniteWeightOrMoment) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 7);
  EXPECT_TRUE(backend->AllFinite());
  ParameterSet params = SpreadParameters(config, 7);
  params.at("model.layers.1.mlp.down_proj.weight").data[3] = std::nanf("");
  backend->SetParameters(params);
  EXPECT_FALSE(backend->AllFinite());
  backend->SetParameters(SpreadParameters(config, 7));
  EXPECT_TRUE(backend->AllFinite());

  OptimizerState state = backend->GetOptimizerState();
  ASSERT_EQ(state.m.size(), params.size());
  state.step = 3;
  state.v.at("model.norm.weight").data[0] = std::numeric_limits<float>::infinity();
  backend->SetOptimizerState(state);
  EXPECT_FALSE(backend->AllFinite());
}

// A state with fp32 master weights (as a bf16 device backend writes it) resumes on the CPU
// from those master weights.
TEST(OptimizerStateMaster, MasterWeightsReplaceTheWeights) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 8);
  OptimizerState state = backend->GetOptimizerState();
  state.step = 2;
  state.master = SpreadParameters(config, 9);
  backend->SetOptimizerState(state);
  EXPECT_TRUE(backend->GetParameters() == state.master);
  EXPECT_EQ(backend->GetOptimizerState().step, 2);

  // A master set of the wrong shape is rejected before anything changes.
  OptimizerState bad = state;
  bad.step = 5;
  bad.master = SpreadParameters(config, 10);
  bad.master.at("model.norm.weight").shape = {3};
  try {
    backend->SetOptimizerState(bad);
    ADD_FAILURE() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("master"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("model.norm.weight"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(backend->GetParameters() == state.master);
  EXPECT_EQ(backend->GetOptimizerState().step, 2);
}

TEST(FlatParameters, LayoutLookupAndCheckedCopy) {
  const ModelConfig config = TinyConfig();
  FlatParameters flat(config);
  EXPECT_EQ(flat.size(), ParameterCount(config));
  const auto shapes = ParameterShapes(config);
  ASSERT_EQ(flat.entries().size(), shapes.size());
  int64_t offset = 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    EXPECT_EQ(flat.entries()[i].name, shapes[i].first);
    EXPECT_EQ(flat.entries()[i].offset, offset);
    EXPECT_EQ(flat.Find(shapes[i].first), flat.values().data() + offset);
    offset += flat.entries()[i].count;
  }
  EXPECT_THROW(flat.Find("model.layers.9.mlp.up_proj.weight"), Error);

  const ParameterSet params = SpreadParameters(config, 11);
  flat.CopyFrom(params, "test");
  EXPECT_TRUE(flat.ToParameterSet() == params);

  ParameterSet extra = params;
  extra.emplace("lm_head.bias", Tensor({config.vocab_size}));
  EXPECT_THROW(flat.CopyFrom(extra, "test"), Error);
  ParameterSet missing = params;
  missing.erase("model.norm.weight");
  EXPECT_THROW(flat.CopyFrom(missing, "test"), Error);
  ParameterSet short_data = SpreadParameters(config, 12);
  short_data.at("model.layers.0.self_attn.q_proj.weight").data.pop_back();
  EXPECT_THROW(flat.CopyFrom(short_data, "test"), Error);
  EXPECT_TRUE(flat.ToParameterSet() == params);  // failed copies changed nothing
}

}  // namespace
}  // namespace ropescale
