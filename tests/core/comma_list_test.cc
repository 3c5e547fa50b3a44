// Comma-separated lists: splitting keeps empty items (so callers can reject them), and the
// number parsers name the field and the bad item.
#include "src/core/comma_list.h"

#include <gtest/gtest.h>

#include "src/core/error.h"

namespace ropescale {
namespace {

TEST(CommaList, SplitsKeepingEmptyItems) {
  EXPECT_EQ(SplitCommaList("a,bb,c"), (std::vector<std::string>{"a", "bb", "c"}));
  EXPECT_EQ(SplitCommaList("a"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(SplitCommaList(""), (std::vector<std::string>{""}));
  EXPECT_EQ(SplitCommaList("a,"), (std::vector<std::string>{"a", ""}));
}

TEST(CommaList, ParsesIntegersInRange) {
  EXPECT_EQ(ParseIntegerList("256,2048", "lengths", 2, 1 << 20), (std::vector<int64_t>{256, 2048}));
  for (const char* bad : {"256,", "25x", "", "1.5", "99999999999999999999", "1"}) {
    try {
      ParseIntegerList(bad, "--lengths", 2, 1 << 20);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--lengths"), std::string::npos) << e.what();
    }
  }
}

TEST(CommaList, ParsesNumbersInRange) {
  EXPECT_EQ(ParseNumberList("0,0.25,1", "depths", 0.0, 1.0), (std::vector<double>{0, 0.25, 1}));
  for (const char* bad : {"0,nan", "1.5", "-0.1", "x", "inf"}) {
    EXPECT_THROW(ParseNumberList(bad, "depths", 0.0, 1.0), Error) << bad;
  }
}

}  // namespace
}  // namespace ropescale
