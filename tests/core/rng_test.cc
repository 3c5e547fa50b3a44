#include "src/core/rng.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>

namespace ropescale {
namespace {

// Known-answer vectors of Philox-4x32-10 from the Random123 distribution (kat_vectors), the
// reference of Salmon et al., SC'11.
TEST(Philox4x32, MatchesTheRandom123KnownAnswers) {
  EXPECT_EQ(Philox4x32({0, 0, 0, 0}, {0, 0}),
            (std::array<uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(Philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (std::array<uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(Philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (std::array<uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(CounterRng, ADrawDependsOnlyOnSeedStreamAndCounter) {
  CounterRng a(7, StreamId({1, 2, 3}));
  for (int i = 0; i < 5; ++i) a.NextU32();
  const uint32_t sixth = a.NextU32();
  CounterRng b(7, StreamId({1, 2, 3}), 5);  // resumed at counter 5
  EXPECT_EQ(b.NextU32(), sixth);
  CounterRng other_stream(7, StreamId({1, 2, 4}), 5);
  CounterRng other_seed(8, StreamId({1, 2, 3}), 5);
  EXPECT_NE(other_stream.NextU32(), sixth);
  EXPECT_NE(other_seed.NextU32(), sixth);
}

TEST(CounterRng, UniformAndBelowStayInRange) {
  CounterRng rng(1, 2);
  std::set<uint64_t> seen;
  double sum = 0.0;
  for (int i = 0; i < 20000; ++i) {
    const double u = rng.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    const uint64_t k = rng.Below(7);
    ASSERT_LT(k, 7u);
    seen.insert(k);
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_NEAR(sum / 20000, 0.5, 0.01);
}

}  // namespace
}  // namespace ropescale
