// Model config validation, parameter names/shapes, initialisation and batch helpers.
#include <gtest/gtest.h>

#include <cmath>

#include "src/core/error.h"
#include "src/model/batch.h"
#include "src/model/init_parameters.h"
#include "src/model/model_config.h"
#include "tests/model/model_test_util.h"

namespace ropescale {
namespace {

using testing::ExpectErrorNaming;
using testing::TinyConfig;

TEST(ModelConfig, ValidationNamesTheField) {
  EXPECT_NO_THROW(ValidateModelConfig(TinyConfig()));
  ModelConfig c = TinyConfig();
  c.num_kv_heads = 3;
  ExpectErrorNaming([&] { ValidateModelConfig(c); }, "num_kv_heads");
  c = TinyConfig();
  c.hidden_size = 0;
  ExpectErrorNaming([&] { ValidateModelConfig(c); }, "hidden_size");
  c = TinyConfig();
  c.rope.head_dim = 16;
  ExpectErrorNaming([&] { ValidateModelConfig(c); }, "rope.head_dim");
  c = TinyConfig();
  c.rms_norm_eps = 0;
  ExpectErrorNaming([&] { ValidateModelConfig(c); }, "rms_norm_eps");
  c = TinyConfig();
  c.eos_token_id = 32;
  ExpectErrorNaming([&] { ValidateModelConfig(c); }, "eos_token_id");
}

TEST(ModelConfig, ParameterShapesFollowHuggingFaceLlama) {
  ModelConfig c = TinyConfig();  // V 32, H 16, I 24, 2 layers, 4 heads, 2 kv heads, hd 8
  const auto shapes = ParameterShapes(c);
  ASSERT_EQ(shapes.size(), 1u + 2 * 9 + 2);
  EXPECT_EQ(shapes.front().first, "model.embed_tokens.weight");
  EXPECT_EQ(shapes.front().second, (std::vector<int64_t>{32, 16}));
  EXPECT_EQ(shapes[1].first, "model.layers.0.input_layernorm.weight");
  EXPECT_EQ(shapes[2].first, "model.layers.0.self_attn.q_proj.weight");
  EXPECT_EQ(shapes[2].second, (std::vector<int64_t>{32, 16}));
  EXPECT_EQ(shapes[3].first, "model.layers.0.self_attn.k_proj.weight");
  EXPECT_EQ(shapes[3].second, (std::vector<int64_t>{16, 16}));
  EXPECT_EQ(shapes[5].first, "model.layers.0.self_attn.o_proj.weight");
  EXPECT_EQ(shapes[5].second, (std::vector<int64_t>{16, 32}));
  EXPECT_EQ(shapes[9].first, "model.layers.0.mlp.down_proj.weight");
  EXPECT_EQ(shapes[9].second, (std::vector<int64_t>{16, 24}));
  EXPECT_EQ(shapes[19].first, "model.norm.weight");
  EXPECT_EQ(shapes[20].first, "lm_head.weight");
  // 32*16 (embed) + 2 * (16 + 32*16 + 2*16*16 + 16*32 + 16 + 3*24*16) + 16 + 32*16
  EXPECT_EQ(ParameterCount(c), 512 + 2 * (16 + 512 + 512 + 512 + 16 + 1152) + 16 + 512);
  c.tie_word_embeddings = true;
  EXPECT_EQ(ParameterShapes(c).back().first, "model.norm.weight");
}

TEST(InitParameters, DeterministicNormalAndOnes) {
  ModelConfig c = TinyConfig();
  c.hidden_size = 64;
  c.intermediate_size = 128;
  const ParameterSet a = InitParameters(c, 7), b = InitParameters(c, 7), d = InitParameters(c, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.at("model.layers.0.mlp.up_proj.weight"), d.at("model.layers.0.mlp.up_proj.weight"));
  EXPECT_NE(a.at("model.layers.0.mlp.up_proj.weight").data,
            a.at("model.layers.1.mlp.up_proj.weight").data);
  for (float x : a.at("model.layers.1.input_layernorm.weight").data) EXPECT_EQ(x, 1.0f);
  const auto& w = a.at("model.layers.0.mlp.gate_proj.weight").data;  // 8192 draws
  double sum = 0, sum_sq = 0;
  for (float x : w) {
    sum += x;
    sum_sq += double(x) * x;
  }
  const double mean = sum / w.size(), stddev = std::sqrt(sum_sq / w.size() - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.001);  // 5 standard errors
  EXPECT_NEAR(stddev, 0.02, 0.001);
  // Keyed per tensor: untying the embeddings does not change the other tensors.
  ModelConfig tied = c;
  tied.tie_word_embeddings = true;
  EXPECT_EQ(InitParameters(tied, 7).at("model.embed_tokens.weight"),
            a.at("model.embed_tokens.weight"));
}

TEST(Batch, CausalLmBatchShiftsTargets) {
  const RopeSpec rope = testing::TinyRope(8);
  const Batch b = MakeCausalLmBatch({5, 6, 7, 8}, rope);
  EXPECT_EQ(b.batch_size, 1);
  EXPECT_EQ(b.seq_len, 4);
  EXPECT_EQ(b.targets, (std::vector<int32_t>{6, 7, 8, kIgnoreTarget}));
  EXPECT_EQ(b.ropes.size(), 1u);
  EXPECT_NO_THROW(ValidateBatch(b, 9));
  ExpectErrorNaming([&] { ValidateBatch(b, 8); }, "targets[2]");  // checked before tokens[3]
}

TEST(Batch, ValidationNamesTheField) {
  const Batch good = MakeCausalLmBatch({1, 2, 3}, testing::TinyRope(8));
  Batch b = good;
  b.targets = {1, 2};
  ExpectErrorNaming([&] { ValidateBatch(b, 10); }, "targets");
  b = good;
  b.targets[1] = -2;
  ExpectErrorNaming([&] { ValidateBatch(b, 10); }, "targets[1]");
  b = good;
  b.loss_weights = {1, -1, 1};
  ExpectErrorNaming([&] { ValidateBatch(b, 10); }, "loss_weights[1]");
  b = good;
  b.positions = {0, 1};
  ExpectErrorNaming([&] { ValidateBatch(b, 10); }, "positions");
  b = good;
  b.segment_ids = {0};
  ExpectErrorNaming([&] { ValidateBatch(b, 10); }, "segment_ids");
  b = good;
  b.ropes.clear();
  ExpectErrorNaming([&] { ValidateBatch(b, 10); }, "ropes");
}

}  // namespace
}  // namespace ropescale
