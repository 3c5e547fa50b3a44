// LongRoPE2's theoretical critical dimension.
#include "src/rope/critical_dim.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "src/core/error.h"

namespace ropescale {
namespace {

TEST(CriticalDim, Llama3PaperExample) {
  // LongRoPE2 paper: LLaMA-3-8B, d = 128, b = 500000, L = 8192 -> i_c = 35, d_tcd = 70.
  const CriticalDimension c = TheoreticalCriticalDimension(128, 500000.0, 8192.0);
  EXPECT_EQ(c.critical_index, 35);
  EXPECT_EQ(c.critical_dim, 70);
}

TEST(CriticalDim, PeriodAtIndexReachesL) {
  // Phi-3-mini shape: d = 96, b = 10000, L = 4096: (48) * ln(651.9)/ln(10000) = 33.78 -> 34.
  const CriticalDimension c = TheoreticalCriticalDimension(96, 10000.0, 4096.0);
  EXPECT_EQ(c.critical_index, 34);
  const double period_before = 2 * std::numbers::pi * std::pow(10000.0, 2.0 * 33 / 96);
  const double period_at = 2 * std::numbers::pi * std::pow(10000.0, 2.0 * 34 / 96);
  EXPECT_LT(period_before, 4096.0);
  EXPECT_GE(period_at, 4096.0);
}

TEST(CriticalDim, ExactBoundaryIsNotPushedUpByRoundingError) {
  // L = 2pi * b^(2n/d) exactly (in real numbers): index n's period equals L, so i_c = n.
  for (int n : {1, 5, 17, 30}) {
    const double train_len = 2 * std::numbers::pi * std::pow(10000.0, 2.0 * n / 64);
    EXPECT_EQ(TheoreticalCriticalDimension(64, 10000.0, train_len).critical_index, n) << n;
  }
}

TEST(CriticalDim, ClampedToTheFrequencyRange) {
  EXPECT_EQ(TheoreticalCriticalDimension(64, 10000.0, 3.0).critical_index, 0);  // L < 2pi
  EXPECT_EQ(TheoreticalCriticalDimension(8, 10.0, 1e9).critical_index, 4);
  EXPECT_EQ(TheoreticalCriticalDimension(8, 10.0, 1e9).critical_dim, 8);
}

TEST(CriticalDim, FromSpecUsesOriginalContext) {
  RopeSpec spec;
  spec.head_dim = 128;
  spec.base = 500000.0;
  spec.max_position_embeddings = 131072;
  spec.original_max_position_embeddings = 8192;
  EXPECT_EQ(TheoreticalCriticalDimension(spec).critical_index, 35);
}

TEST(CriticalDim, RejectsBadArguments) {
  EXPECT_THROW(TheoreticalCriticalDimension(7, 10000.0, 4096.0), Error);
  EXPECT_THROW(TheoreticalCriticalDimension(64, 1.0, 4096.0), Error);
  EXPECT_THROW(TheoreticalCriticalDimension(64, 10000.0, 0.0), Error);
}

}  // namespace
}  // namespace ropescale
