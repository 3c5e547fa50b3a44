// The vectorised float exp and the softmax row primitives against libm.
#include "src/model/cpu/fast_exp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "src/model/cpu/softmax_row.h"

namespace ropescale::cpu {
namespace {

TEST(FastExp, WithinTwoUlpOfLibm) {
  double worst = 0.0;
  for (double x = -87.0; x <= 88.0; x += 0.0137) {
    const double exact = std::exp(static_cast<double>(static_cast<float>(x)));
    const double rel = std::abs(FastExp(static_cast<float>(x)) - exact) / exact;
    worst = std::max(worst, rel);
  }
  EXPECT_LT(worst, 2.5e-7);
  EXPECT_EQ(FastExp(-200.0f), 0.0f);
  EXPECT_EQ(FastExp(-INFINITY), 0.0f);
  EXPECT_EQ(FastExp(0.0f), 1.0f);
}

TEST(SoftmaxRow, FloatMatchesDouble) {
  std::vector<float> xf;
  std::vector<double> xd;
  for (int i = 0; i < 37; ++i) {
    xf.push_back(static_cast<float>(std::sin(1.7 * i) * 9.0));
    xd.push_back(xf.back());
  }
  EXPECT_EQ(RowMax(xf.data(), 37), static_cast<float>(RowMax(xd.data(), 37)));
  const float sum_f = ExpShiftSum(xf.data(), 37, 9.0f);
  const double sum_d = ExpShiftSum(xd.data(), 37, 9.0);
  EXPECT_NEAR(sum_f, sum_d, 1e-6 * sum_d);
  for (int i = 0; i < 37; ++i)
    EXPECT_NEAR(xf[i], xd[i], 2e-6 * xd[i]);  // float rounding of x - shift: ~1e-6
}

}  // namespace
}  // namespace ropescale::cpu
