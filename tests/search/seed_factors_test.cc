#include "src/search/seed_factors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "tests/support/tiny_model.h"

namespace ropescale::search {
namespace {

RopeSpec ModelRope() { return testing::TinyRope(32); }

TEST(BaselineFactors, PiIsTheScaleEverywhere) {
  const auto factors = BaselineFactors(ModelRope(), RopeKind::kLinear, 2048);
  ASSERT_EQ(factors.size(), 16u);
  for (double f : factors) EXPECT_NEAR(f, 8.0, 1e-12);
}

TEST(BaselineFactors, NtkMatchesTheClosedForm) {
  // base' = base * s^(d/(d-2)) gives lambda_i = s^(2i/(d-2)).
  const auto factors = BaselineFactors(ModelRope(), RopeKind::kNtk, 2048);
  for (int i = 0; i < 16; ++i) EXPECT_NEAR(factors[i], std::pow(8.0, 2.0 * i / 30.0), 1e-9) << i;
}

TEST(BaselineFactors, YarnRampsFromExtrapolationToInterpolation) {
  // YaRN (arXiv 2309.00071) with beta_fast 32, beta_slow 1: dims below
  // floor(d ln(L / (32 * 2 pi)) / (2 ln b)) keep 1, dims above ceil(... 1 ...) get s.
  const double d = 32, b = 10000, L = 256, s = 8;
  const auto dim_of = [&](double rotations) {
    return d * std::log(L / (rotations * 2 * M_PI)) / (2 * std::log(b));
  };
  const double low = std::max(0.0, std::floor(dim_of(32)));
  const double high = std::min(d - 1, std::ceil(dim_of(1)));
  const auto factors = BaselineFactors(ModelRope(), RopeKind::kYarn, 2048);
  for (int i = 0; i < 16; ++i) {
    const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
    EXPECT_NEAR(factors[i], 1.0 / (ramp / s + 1.0 - ramp), 1e-9) << i;
  }
}

TEST(SeedCandidates, LongRope2SeedsAreValidAndSplitAtTheCriticalIndex) {
  SearchSpaceOptions options;
  options.method = SearchMethod::kLongRope2;
  options.num_factors = 16;
  options.scale = 8.0;
  options.critical_index = 10;
  const SearchSpace space = MakeSearchSpace(options);
  const auto seeds = SeedCandidates(space, ModelRope(), 2048);
  ASSERT_FALSE(seeds.empty());
  for (const Candidate& c : seeds) EXPECT_TRUE(space.IsValid(c));
  // The first seed is NTK: below the critical index it keeps NTK's values (all <= s + 5 here),
  // from it on at least s.
  const auto ntk = BaselineFactors(ModelRope(), RopeKind::kNtk, 2048);
  const auto first = space.Factors(seeds[0]);
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(first[i], ntk[i], 0.005 + 1e-12) << i;
  for (int i = 10; i < 16; ++i) EXPECT_GE(first[i], 8.0) << i;
}

}  // namespace
}  // namespace ropescale::search
