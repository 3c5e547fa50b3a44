#include "src/eval/baseline_ropes.h"

#include <gtest/gtest.h>

#include <cmath>

#include "src/core/error.h"
#include "src/rope/rope_frequencies.h"
#include "tests/support/tiny_model.h"

namespace ropescale {
namespace {

RopeSpec TinyModelRope() { return testing::TinyRope(32); }

TEST(BaselineRopes, OriginalAndModelAreTheBaseModelsRope) {
  EXPECT_EQ(MakeBaselineRope(TinyModelRope(), BaselineRope::kOriginal, 2048), TinyModelRope());
  EXPECT_EQ(MakeBaselineRope(TinyModelRope(), BaselineRope::kModel, 2048), TinyModelRope());
}

TEST(BaselineRopes, OriginalOfALongRopeModelIsItsUnextendedRope) {
  RopeSpec longrope = TinyModelRope();
  longrope.kind = RopeKind::kLongRope;
  longrope.original_max_position_embeddings = 256;
  longrope.max_position_embeddings = 2048;
  longrope.factor = 8.0;
  longrope.long_factor.assign(16, 4.0);
  longrope.short_factor.assign(16, 1.0);
  EXPECT_EQ(MakeBaselineRope(longrope, BaselineRope::kModel, 2048), longrope);
  const RopeSpec original = MakeBaselineRope(longrope, BaselineRope::kOriginal, 2048);
  EXPECT_EQ(original, OriginalRope(longrope));
  EXPECT_EQ(original.kind, RopeKind::kDefault);
  EXPECT_EQ(original.max_position_embeddings, 256);
  EXPECT_EQ(original.base, longrope.base);
  EXPECT_EQ(original.head_dim, longrope.head_dim);
  // The baselines of the extended model are those of its base model.
  RopeSpec base = TinyModelRope();
  base.max_position_embeddings = 256;
  EXPECT_EQ(original, base);
  for (BaselineRope b : {BaselineRope::kPi, BaselineRope::kNtk, BaselineRope::kYarn}) {
    EXPECT_EQ(MakeBaselineRope(longrope, b, 2048), MakeBaselineRope(base, b, 2048));
  }
}

TEST(BaselineRopes, PiDividesEveryFrequencyByTheScale) {
  const RopeSpec pi = MakeBaselineRope(TinyModelRope(), BaselineRope::kPi, 2048);
  EXPECT_EQ(pi.kind, RopeKind::kLinear);
  EXPECT_DOUBLE_EQ(pi.factor, 8.0);
  EXPECT_EQ(pi.original_max_position_embeddings, 256);
  EXPECT_EQ(pi.max_position_embeddings, 2048);
  const auto original = ComputeRopeFrequencies(TinyModelRope(), 2048).inv_freq;
  const auto scaled = ComputeRopeFrequencies(pi, 2048).inv_freq;
  ASSERT_EQ(scaled.size(), 16u);
  for (size_t i = 0; i < scaled.size(); ++i) EXPECT_NEAR(scaled[i], original[i] / 8.0, 1e-15);
}

TEST(BaselineRopes, NtkRaisesTheBase) {
  const RopeSpec ntk = MakeBaselineRope(TinyModelRope(), BaselineRope::kNtk, 1024);
  EXPECT_EQ(ntk.kind, RopeKind::kNtk);
  EXPECT_DOUBLE_EQ(ntk.factor, 4.0);
  const auto freqs = ComputeRopeFrequencies(ntk, 1024).inv_freq;
  // Highest frequency unchanged, lowest: (base * 4^(32/30))^(-30/32) = base^(-30/32) / 4.
  EXPECT_NEAR(freqs[0], 1.0, 1e-15);
  EXPECT_NEAR(freqs[15], std::pow(10000.0, -30.0 / 32.0) / 4.0, 1e-12);
}

TEST(BaselineRopes, YarnKeepsTheOriginalContextAndScalesAttention) {
  const RopeSpec yarn = MakeBaselineRope(TinyModelRope(), BaselineRope::kYarn, 2048);
  EXPECT_EQ(yarn.kind, RopeKind::kYarn);
  EXPECT_DOUBLE_EQ(yarn.factor, 8.0);
  EXPECT_EQ(yarn.original_max_position_embeddings, 256);
  EXPECT_NEAR(ComputeRopeFrequencies(yarn, 2048).attention_scaling, 0.1 * std::log(8.0) + 1.0,
              1e-12);
}

TEST(BaselineRopes, TargetWithinTheWindowGivesFactorOne) {
  for (BaselineRope b : {BaselineRope::kPi, BaselineRope::kNtk, BaselineRope::kYarn}) {
    const RopeSpec spec = MakeBaselineRope(TinyModelRope(), b, 128);
    EXPECT_DOUBLE_EQ(spec.factor, 1.0);
    const auto freqs = ComputeRopeFrequencies(spec, 128);
    const auto original = ComputeRopeFrequencies(TinyModelRope(), 128);
    for (size_t i = 0; i < freqs.inv_freq.size(); ++i) {
      EXPECT_NEAR(freqs.inv_freq[i], original.inv_freq[i], 1e-15);
    }
    EXPECT_DOUBLE_EQ(freqs.attention_scaling, 1.0);
  }
}

TEST(BaselineRopes, UsesTheOriginalContextOfAnAlreadyExtendedRope) {
  RopeSpec rope = TinyModelRope();
  rope.original_max_position_embeddings = 128;
  EXPECT_EQ(PretrainingContext(rope), 128);
  EXPECT_DOUBLE_EQ(MakeBaselineRope(rope, BaselineRope::kPi, 1024).factor, 8.0);
  RopeSpec no_context = TinyModelRope();
  no_context.max_position_embeddings = 0;
  EXPECT_THROW(MakeBaselineRope(no_context, BaselineRope::kPi, 1024), Error);
}

TEST(BaselineRopes, ParsesNamesAndLists) {
  EXPECT_EQ(ParseBaselineRope("yarn"), BaselineRope::kYarn);
  const auto list = ParseBaselineRopeList("original,pi,ntk,yarn");
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[1], BaselineRope::kPi);
  EXPECT_EQ(BaselineRopeName(list[2]), "ntk");
  EXPECT_THROW(ParseBaselineRope("linear"), Error);
  EXPECT_THROW(ParseBaselineRopeList("pi,,yarn"), Error);
  EXPECT_THROW(ParseBaselineRopeList(""), Error);
  EXPECT_EQ(ParseBaselineRopeList("model,original")[0], BaselineRope::kModel);
  EXPECT_THROW(ParseBaselineRopeList("pi,yarn,pi"), Error);
}

}  // namespace
}  // namespace ropescale
