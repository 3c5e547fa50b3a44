#include "src/search/factor_rescale.h"

#include <gtest/gtest.h>

#include "src/core/error.h"

namespace ropescale::search {
namespace {

TEST(RescaleFactorsLinearly, KeepsOneAndMapsTheOldScaleOntoTheNew) {
  // 8x factors to 64x: 1 stays 1, 8 becomes 64, the rest on the line through both.
  const std::vector<double> rescaled = RescaleFactorsLinearly({1.0, 2.0, 4.5, 8.0, 9.0}, 8, 64);
  ASSERT_EQ(rescaled.size(), 5u);
  EXPECT_DOUBLE_EQ(rescaled[0], 1.0);
  EXPECT_DOUBLE_EQ(rescaled[1], 10.0);
  EXPECT_DOUBLE_EQ(rescaled[2], 32.5);
  EXPECT_DOUBLE_EQ(rescaled[3], 64.0);
  EXPECT_DOUBLE_EQ(rescaled[4], 73.0);  // factors past s stretch the same way
}

TEST(RescaleFactorsLinearly, ShrinksTooAndIsTheIdentityForEqualScales) {
  const std::vector<double> factors = {1.0, 1.37, 5.0, 16.0};
  EXPECT_EQ(RescaleFactorsLinearly(factors, 16, 16), factors);
  const std::vector<double> down = RescaleFactorsLinearly(factors, 16, 4);
  EXPECT_DOUBLE_EQ(down[2], 1.0 + 4.0 * 3.0 / 15.0);
  EXPECT_DOUBLE_EQ(down[3], 4.0);
  EXPECT_EQ(RescaleFactorsLinearly(factors, 16, 1), std::vector<double>(4, 1.0));
}

TEST(RescaleFactorsLinearly, RefusesScalesThatCannotWork) {
  EXPECT_THROW(RescaleFactorsLinearly({1.0, 2.0}, 1.0, 8.0), Error);  // no direction
  EXPECT_THROW(RescaleFactorsLinearly({1.0, 2.0}, 0.5, 8.0), Error);
  EXPECT_THROW(RescaleFactorsLinearly({1.0, 2.0}, 8.0, 0.9), Error);
  EXPECT_THROW(RescaleFactorsLinearly({1.0, 2.0}, NAN, 8.0), Error);
}

}  // namespace
}  // namespace ropescale::search
