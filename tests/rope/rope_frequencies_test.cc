// Frequencies of each kind against values worked out by hand from the published formulas
// (transformers' modeling_rope_utils.py; see src/rope/README.md), and the cos/sin tables.
#include "src/rope/rope_frequencies.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace ropescale {
namespace {

RopeSpec Small(RopeKind kind, double factor) {
  RopeSpec spec;
  spec.kind = kind;
  spec.head_dim = 4;
  spec.base = 10000.0;
  spec.factor = factor;
  return spec;
}

double DefaultInv(double base, int dim, int i) { return std::pow(base, -2.0 * i / dim); }

TEST(RopeFrequencies, DefaultIsBaseToTheMinus2iOverD) {
  const RopeFrequencies f = ComputeRopeFrequencies(Small(RopeKind::kDefault, 1.0), 0);
  ASSERT_EQ(f.inv_freq.size(), 2u);
  EXPECT_DOUBLE_EQ(f.inv_freq[0], 1.0);
  EXPECT_DOUBLE_EQ(f.inv_freq[1], 0.01);  // 10000^(-2/4)
  EXPECT_EQ(f.attention_scaling, 1.0);
}

TEST(RopeFrequencies, LinearDividesByFactor) {
  const RopeFrequencies f = ComputeRopeFrequencies(Small(RopeKind::kLinear, 4.0), 0);
  EXPECT_DOUBLE_EQ(f.inv_freq[0], 0.25);
  EXPECT_DOUBLE_EQ(f.inv_freq[1], 0.0025);
}

TEST(RopeFrequencies, StaticNtkRaisesTheBase) {
  // base' = 10000 * 4^(4/2) = 160000, so inv_1 = 160000^(-1/2) = 1/400.
  const RopeFrequencies f = ComputeRopeFrequencies(Small(RopeKind::kNtk, 4.0), 123);
  EXPECT_DOUBLE_EQ(f.inv_freq[0], 1.0);
  EXPECT_DOUBLE_EQ(f.inv_freq[1], 1.0 / 400.0);
  EXPECT_EQ(f.attention_scaling, 1.0);
}

TEST(RopeFrequencies, DynamicNtkDependsOnSeqLenAboveM) {
  RopeSpec spec = Small(RopeKind::kDynamicNtk, 2.0);
  spec.max_position_embeddings = 1000;
  // seq_len <= M: S' = M, base' = base * (2 - 1)^2 = base.
  EXPECT_DOUBLE_EQ(ComputeRopeFrequencies(spec, 500).inv_freq[1], 0.01);
  EXPECT_DOUBLE_EQ(ComputeRopeFrequencies(spec, 1000).inv_freq[1], 0.01);
  // seq_len = 2M: base' = base * (2*2 - 1)^(4/2) = 90000, inv_1 = 1/300.
  EXPECT_DOUBLE_EQ(ComputeRopeFrequencies(spec, 2000).inv_freq[1], 1.0 / 300.0);
}

RopeSpec DeepSeekYarn() {
  RopeSpec spec;
  spec.kind = RopeKind::kYarn;
  spec.head_dim = 128;
  spec.base = 10000.0;
  spec.factor = 40.0;
  spec.max_position_embeddings = 163840;
  spec.original_max_position_embeddings = 4096;
  return spec;
}

TEST(RopeFrequencies, YarnRampBetweenTruncatedCorrectionDims) {
  // Correction dims: 128 ln(4096 / (32*2pi)) / (2 ln 10000) = 20.94 -> floor 20;
  // 128 ln(4096 / (1*2pi)) / (2 ln 10000) = 45.03 -> ceil 46.
  const RopeSpec spec = DeepSeekYarn();
  const RopeFrequencies f = ComputeRopeFrequencies(spec, 0);
  ASSERT_EQ(f.inv_freq.size(), 64u);
  for (int i = 0; i <= 20; ++i) EXPECT_DOUBLE_EQ(f.inv_freq[i], DefaultInv(1e4, 128, i)) << i;
  for (int i = 46; i < 64; ++i) {
    EXPECT_DOUBLE_EQ(f.inv_freq[i], DefaultInv(1e4, 128, i) / 40.0) << i;
  }
  // i = 33: ramp (33 - 20) / (46 - 20) = 0.5, half interpolated.
  EXPECT_DOUBLE_EQ(f.inv_freq[33], DefaultInv(1e4, 128, 33) * (0.5 / 40.0 + 0.5));
  EXPECT_DOUBLE_EQ(f.attention_scaling, 0.1 * std::log(40.0) + 1.0);
}

TEST(RopeFrequencies, YarnWithoutTruncateUsesFractionalRange) {
  RopeSpec spec = DeepSeekYarn();
  spec.truncate = false;
  const double low = 128 * std::log(4096 / (32 * 2 * std::numbers::pi)) / (2 * std::log(1e4));
  const double high = 128 * std::log(4096 / (2 * std::numbers::pi)) / (2 * std::log(1e4));
  const RopeFrequencies f = ComputeRopeFrequencies(spec, 0);
  const double ramp = (30 - low) / (high - low);
  EXPECT_NEAR(f.inv_freq[30], DefaultInv(1e4, 128, 30) * (ramp / 40.0 + 1.0 - ramp), 1e-15);
  EXPECT_DOUBLE_EQ(f.inv_freq[20], DefaultInv(1e4, 128, 20));  // 20 < 20.94: extrapolated
}

TEST(RopeFrequencies, YarnAttentionFollowsPythonTruthiness) {
  RopeSpec spec = DeepSeekYarn();
  spec.mscale = 0.707;
  spec.mscale_all_dim = 0.707;  // DeepSeek-V2-Lite: equal mscales cancel
  EXPECT_DOUBLE_EQ(ComputeRopeFrequencies(spec, 0).attention_scaling, 1.0);
  spec.mscale = 1.0;
  spec.mscale_all_dim = 0.0;  // Devstral 2: `if mscale and mscale_all_dim` is false
  spec.factor = 64.0;
  EXPECT_DOUBLE_EQ(ComputeRopeFrequencies(spec, 0).attention_scaling, 0.1 * std::log(64.0) + 1.0);
  spec.mscale = 2.0;  // still falsy: the mscale does not enter at all
  EXPECT_DOUBLE_EQ(ComputeRopeFrequencies(spec, 0).attention_scaling, 0.1 * std::log(64.0) + 1.0);
  spec.mscale = 0.0;
  spec.mscale_all_dim = 1.0;
  EXPECT_DOUBLE_EQ(ComputeRopeFrequencies(spec, 0).attention_scaling, 0.1 * std::log(64.0) + 1.0);
  spec.mscale = 2.0;
  spec.mscale_all_dim = 1.0;
  EXPECT_DOUBLE_EQ(ComputeRopeFrequencies(spec, 0).attention_scaling,
                   (0.2 * std::log(64.0) + 1.0) / (0.1 * std::log(64.0) + 1.0));
  spec.attention_factor = 1.2079441541679836;  // OLMo 3.1: explicit wins
  EXPECT_EQ(ComputeRopeFrequencies(spec, 0).attention_scaling, 1.2079441541679836);
}

TEST(RopeFrequencies, Llama3Bands) {
  RopeSpec spec;
  spec.kind = RopeKind::kLlama3;
  spec.head_dim = 128;
  spec.base = 500000.0;
  spec.factor = 8.0;
  spec.original_max_position_embeddings = 8192;
  const RopeFrequencies f = ComputeRopeFrequencies(spec, 0);
  EXPECT_DOUBLE_EQ(f.inv_freq[0], 1.0);  // wavelength 2pi < 8192/4: unchanged
  EXPECT_DOUBLE_EQ(f.inv_freq[63], DefaultInv(5e5, 128, 63) / 8.0);  // beyond 8192: / factor
  // i = 32: wavelength 2pi*sqrt(500000) = 4442.88, smooth = (8192/4442.88 - 1)/3 = 0.281283.
  const double wavelen = 2 * std::numbers::pi * std::sqrt(500000.0);
  const double smooth = (8192.0 / wavelen - 1.0) / 3.0;
  EXPECT_NEAR(smooth, 0.281283, 1e-6);
  EXPECT_DOUBLE_EQ(f.inv_freq[32], DefaultInv(5e5, 128, 32) * ((1 - smooth) / 8.0 + smooth));
  EXPECT_EQ(f.attention_scaling, 1.0);
}

RopeSpec LongRope() {
  RopeSpec spec;
  spec.kind = RopeKind::kLongRope;
  spec.head_dim = 8;
  spec.base = 10000.0;
  spec.max_position_embeddings = 16384;
  spec.original_max_position_embeddings = 4096;
  spec.factor = 0.0;
  spec.short_factor = {1.0, 1.5, 1.0, 1.0};
  spec.long_factor = {1.0, 2.0, 3.0, 4.0};
  return spec;
}

TEST(RopeFrequencies, LongRopeSwitchesAboveL) {
  const RopeSpec spec = LongRope();
  const RopeFrequencies at_l = ComputeRopeFrequencies(spec, 4096);
  const RopeFrequencies above = ComputeRopeFrequencies(spec, 4097);
  const RopeFrequencies unknown = ComputeRopeFrequencies(spec, 0);
  for (int i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(at_l.inv_freq[i], DefaultInv(1e4, 8, i) / spec.short_factor[i]) << i;
    EXPECT_DOUBLE_EQ(above.inv_freq[i], DefaultInv(1e4, 8, i) / spec.long_factor[i]) << i;
    EXPECT_EQ(unknown.inv_freq[i], at_l.inv_freq[i]);
  }
  // factor = M / L = 4: sqrt(1 + ln 4 / ln 4096) = sqrt(1 + 1/6), for short and long alike.
  EXPECT_DOUBLE_EQ(at_l.attention_scaling, std::sqrt(7.0 / 6.0));
  EXPECT_DOUBLE_EQ(above.attention_scaling, std::sqrt(7.0 / 6.0));
}

TEST(RopeFrequencies, LongRopeAttentionDefaults) {
  RopeSpec spec = LongRope();
  spec.short_factor.clear();            // empty: all ones
  spec.max_position_embeddings = 4096;  // M / L = 1: no scaling
  const RopeFrequencies f = ComputeRopeFrequencies(spec, 100);
  EXPECT_EQ(f.attention_scaling, 1.0);
  EXPECT_DOUBLE_EQ(f.inv_freq[3], DefaultInv(1e4, 8, 3));
  spec.factor = 16.0;  // explicit factor beats M / L
  EXPECT_DOUBLE_EQ(ComputeRopeFrequencies(spec, 100).attention_scaling,
                   std::sqrt(1.0 + std::log(16.0) / std::log(4096.0)));
  spec.attention_factor = 1.25;
  EXPECT_EQ(ComputeRopeFrequencies(spec, 100).attention_scaling, 1.25);
}

TEST(RopeFrequencies, LongRope2HasLongRopeFrequencies) {
  RopeSpec spec = LongRope();
  spec.kind = RopeKind::kLongRope2;
  spec.critical_index = 2;
  const RopeFrequencies two = ComputeRopeFrequencies(spec, 9000);
  const RopeFrequencies one = ComputeRopeFrequencies(LongRope(), 9000);
  EXPECT_EQ(two.inv_freq, one.inv_freq);
  EXPECT_EQ(two.attention_scaling, one.attention_scaling);
}

TEST(RopeTable, CosSinTimesAttentionPerPosition) {
  const RopeSpec spec = LongRope();
  const RopeTable table = BuildRopeTable(spec, 5, 8192);
  ASSERT_EQ(table.num_positions, 5);
  ASSERT_EQ(table.half, 4);
  ASSERT_EQ(table.cos.size(), 20u);
  ASSERT_EQ(table.sin.size(), 20u);
  const double att = std::sqrt(7.0 / 6.0);
  for (int p = 0; p < 5; ++p) {
    for (int i = 0; i < 4; ++i) {
      const double angle = p * DefaultInv(1e4, 8, i) / spec.long_factor[i];
      EXPECT_FLOAT_EQ(table.cos[p * 4 + i], static_cast<float>(std::cos(angle) * att));
      EXPECT_FLOAT_EQ(table.sin[p * 4 + i], static_cast<float>(std::sin(angle) * att));
    }
  }
}

TEST(RopeTable, NHatKeepsOriginalFrequenciesForLeadingPositions) {
  RopeSpec spec = LongRope();
  spec.n_hat = 3;
  const RopeFrequencies f = ComputeRopeFrequencies(spec, 8192);
  EXPECT_EQ(f.n_hat, 3);
  ASSERT_EQ(f.inv_freq_leading.size(), 4u);
  const RopeTable table = BuildRopeTable(spec, 6, 8192);
  const double att = std::sqrt(7.0 / 6.0);
  for (int p = 0; p < 6; ++p) {
    for (int i = 0; i < 4; ++i) {
      const double lambda = p < 3 ? 1.0 : spec.long_factor[i];
      const double angle = p * DefaultInv(1e4, 8, i) / lambda;
      EXPECT_FLOAT_EQ(table.cos[p * 4 + i], static_cast<float>(std::cos(angle) * att)) << p;
      EXPECT_FLOAT_EQ(table.sin[p * 4 + i], static_cast<float>(std::sin(angle) * att)) << p;
    }
  }
}

TEST(RopeTable, FrequencyScaleMultipliesEachPairOnTopOfTheAttention) {
  RopeSpec spec = LongRope();
  spec.n_hat = 2;  // the scale applies to leading positions too, like the attention scale
  spec.frequency_scale = {0.5, 1.0, 1.25, 3.0};
  RopeSpec plain = spec;
  plain.frequency_scale.clear();
  const RopeTable table = BuildRopeTable(spec, 6, 8192);
  const RopeTable reference = BuildRopeTable(plain, 6, 8192);
  const double att = std::sqrt(7.0 / 6.0);
  for (int p = 0; p < 6; ++p) {
    for (int i = 0; i < 4; ++i) {
      const double lambda = p < 2 ? 1.0 : spec.long_factor[i];
      const double angle = p * DefaultInv(1e4, 8, i) / lambda;
      const double magnitude = att * spec.frequency_scale[i];
      EXPECT_FLOAT_EQ(table.cos[p * 4 + i], static_cast<float>(std::cos(angle) * magnitude));
      EXPECT_FLOAT_EQ(table.sin[p * 4 + i], static_cast<float>(std::sin(angle) * magnitude));
    }
  }
  // All ones is bit-identical to no scale.
  spec.frequency_scale.assign(4, 1.0);
  const RopeTable ones = BuildRopeTable(spec, 6, 8192);
  EXPECT_EQ(ones.cos, reference.cos);
  EXPECT_EQ(ones.sin, reference.sin);
}

TEST(RopeTable, PartialRotaryHasRotaryDimOverTwoColumns) {
  RopeSpec spec;
  spec.head_dim = 16;
  spec.partial_rotary_factor = 0.5;
  const RopeTable table = BuildRopeTable(spec, 3, 0);
  EXPECT_EQ(table.half, 4);
  EXPECT_EQ(table.cos.size(), 12u);
  EXPECT_FLOAT_EQ(table.cos[0], 1.0f);
  EXPECT_FLOAT_EQ(table.sin[0], 0.0f);
}

}  // namespace
}  // namespace ropescale
