// Progress text: durations for ETAs and losses that may be undefined.
#include "src/train/progress_text.h"

#include <gtest/gtest.h>

#include <limits>

namespace ropescale {
namespace {

TEST(ProgressText, LossPrintsFourDecimalsOrADashForNan) {
  EXPECT_EQ(FormatLoss(0.91234), "0.9123");
  EXPECT_EQ(FormatLoss(std::numeric_limits<double>::quiet_NaN()), "-");
}

TEST(ProgressText, DurationsReadLikeAClock) {
  EXPECT_EQ(FormatDuration(245.0), "4m05s");
  EXPECT_EQ(FormatDuration(std::numeric_limits<double>::infinity()), "?");
}

}  // namespace
}  // namespace ropescale
