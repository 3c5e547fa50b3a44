// UTF-8 validation (as strict as Python's codec) and code point -> byte offsets.
#include "io/utf8.h"

#include <gtest/gtest.h>

#include "tests/io/io_test_util.h"

namespace ropescale {
namespace {

std::optional<size_t> Bad(const char* bytes, size_t size) {
  return FirstInvalidUtf8(std::string_view(bytes, size));
}

TEST(Utf8, AcceptsEveryLengthOfSequence) {
  EXPECT_EQ(FirstInvalidUtf8(""), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("plain ASCII\n"), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("é 日 🎉 \xF4\x8F\xBF\xBF \xEF\xBF\xBF"), std::nullopt);
  EXPECT_EQ(Bad("a\0b", 3), std::nullopt);  // NUL is a character
}

TEST(Utf8, NamesTheFirstBadByte) {
  EXPECT_EQ(Bad("ab\x80", 3), 2u);            // stray continuation
  EXPECT_EQ(Bad("a\xC3", 2), 1u);             // truncated
  EXPECT_EQ(Bad("a\xC3(", 3), 1u);            // missing continuation
  EXPECT_EQ(Bad("\xC0\xAF", 2), 0u);          // overlong '/'
  EXPECT_EQ(Bad("\xE0\x80\xAF", 3), 0u);      // overlong, 3 bytes
  EXPECT_EQ(Bad("\xF0\x80\x80\xAF", 4), 0u);  // overlong, 4 bytes
  EXPECT_EQ(Bad("xy\xED\xA0\x80", 5), 2u);    // surrogate U+D800
  EXPECT_EQ(Bad("\xF4\x90\x80\x80", 4), 0u);  // above U+10FFFF
  EXPECT_EQ(Bad("\xF5\x80\x80\x80", 4), 0u);  // lead byte beyond F4
  EXPECT_EQ(Bad("\xE6\x97\xA5\xFF", 4), 3u);  // after a good character
}

TEST(Utf8, CheckUtf8NamesWhatAndWhere) {
  CheckUtf8("fine", "x");
  testing::ExpectErrorWith([] { CheckUtf8(std::string_view("ok\xFE", 3), "doc.txt"); },
                           {"doc.txt", "not valid UTF-8 at byte 2"});
}

TEST(Utf8, CodePointByteOffsets) {
  EXPECT_EQ(CodePointByteOffsets(""), (std::vector<int64_t>{0}));
  EXPECT_EQ(CodePointByteOffsets("ab"), (std::vector<int64_t>{0, 1, 2}));
  // a (1) é (2) 日 (3) 🎉 (4) b (1)
  EXPECT_EQ(CodePointByteOffsets("aé日🎉b"), (std::vector<int64_t>{0, 1, 3, 6, 10, 11}));
}

}  // namespace
}  // namespace ropescale
