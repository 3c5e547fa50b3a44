// Needle formats: names, defaults, and that every drawn needle really hides the key where the
// question asks for it (and, for kv, that only the asked pair's number answers it).
#include "src/eval/needle_format.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "src/core/error.h"

namespace ropescale {
namespace {

TEST(NeedleFormat, NamesRoundTripAndListsParse) {
  for (NeedleKind kind : {NeedleKind::kPasskey, NeedleKind::kMagicNumber, NeedleKind::kKeyValue}) {
    EXPECT_EQ(ParseNeedleKind(NeedleKindName(kind)), kind);
  }
  const std::vector<NeedleFormat> formats = ParseNeedleFormatList("kv,passkey,magic-number");
  ASSERT_EQ(formats.size(), 3u);
  EXPECT_EQ(formats[0].kind, NeedleKind::kKeyValue);
  EXPECT_EQ(formats[0].digits, 5);
  EXPECT_EQ(formats[2].kind, NeedleKind::kMagicNumber);
  EXPECT_EQ(formats[2].digits, 7);
  EXPECT_THROW(ParseNeedleFormatList("passkey,passkey"), Error);
  EXPECT_THROW(ParseNeedleFormatList("passkey,"), Error);
  try {
    ParseNeedleKind("needle", "--format");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--format"), std::string::npos) << e.what();
  }
}

TEST(NeedleFormat, PasskeyDrawsOnlyTheDigits) {
  // The pass-key text is the one documents have always used, and it draws nothing but the key,
  // so documents made before the other formats existed are unchanged.
  CounterRng rng(5, 6), digits_only(5, 6);
  const NeedleText text = DrawNeedleText(NeedleFormat{}, rng);
  std::string key;
  for (int i = 0; i < 5; ++i) key.push_back(static_cast<char>('0' + digits_only.Below(10)));
  EXPECT_EQ(text.key, key);
  EXPECT_EQ(text.needle,
            " The pass key is " + key + ". Remember it. " + key + " is the pass key. ");
  EXPECT_EQ(text.question, " What is the pass key? The pass key is ");
  EXPECT_EQ(rng.Below(1000000), digits_only.Below(1000000));
}

TEST(NeedleFormat, MagicNumberNamesTheSameWordInNeedleAndQuestion) {
  std::set<std::string> words;
  for (uint64_t i = 0; i < 400; ++i) {
    CounterRng rng(1, i);
    const NeedleText text = DrawNeedleText(DefaultNeedleFormat(NeedleKind::kMagicNumber), rng);
    std::smatch needle, question;
    ASSERT_TRUE(std::regex_match(
        text.needle, needle,
        std::regex(" One of the special magic numbers for ([a-z]+) is: ([0-9]{7})\\. ")))
        << text.needle;
    ASSERT_TRUE(std::regex_match(text.question, question,
                                 std::regex(" What is the special magic number for ([a-z]+)\\? The "
                                            "special magic number for ([a-z]+) is: ")))
        << text.question;
    EXPECT_EQ(needle[1], question[1]);
    EXPECT_EQ(question[1], question[2]);
    EXPECT_EQ(needle[2], text.key);
    words.insert(needle[1]);
  }
  EXPECT_EQ(words.size(), NeedleWords().size());
}

TEST(NeedleFormat, KeyValueAnswersOnlyTheAskedPair) {
  std::set<int> asked_positions;
  NeedleFormat format = DefaultNeedleFormat(NeedleKind::kKeyValue);
  format.pairs = 4;
  for (uint64_t i = 0; i < 300; ++i) {
    CounterRng rng(2, i);
    const NeedleText text = DrawNeedleText(format, rng);
    std::smatch question;
    ASSERT_TRUE(std::regex_match(
        text.question, question,
        std::regex(" What is the number of the ([a-z]+)\\? The number of the ([a-z]+) is ")));
    ASSERT_EQ(question[1], question[2]);
    const std::regex pair(" The number of the ([a-z]+) is ([0-9]{5})\\.");
    std::set<std::string> words;
    int position = 0, asked = -1;
    for (auto it = std::sregex_iterator(text.needle.begin(), text.needle.end(), pair);
         it != std::sregex_iterator(); ++it, ++position) {
      words.insert((*it)[1]);
      if ((*it)[1] == question[1]) {
        asked = position;
        EXPECT_EQ((*it)[2], text.key);
      }
    }
    EXPECT_EQ(position, 4);
    EXPECT_EQ(words.size(), 4u) << text.needle;  // distinct words
    ASSERT_GE(asked, 0) << text.needle;
    asked_positions.insert(asked);
  }
  EXPECT_EQ(asked_positions.size(), 4u);  // every pair gets asked
}

TEST(NeedleFormat, OutOfRangeFieldsAreRefused) {
  CounterRng rng(1, 1);
  NeedleFormat format;
  format.digits = 0;
  EXPECT_THROW(DrawNeedleText(format, rng), Error);
  format.digits = 19;
  EXPECT_THROW(DrawNeedleText(format, rng), Error);
  format = DefaultNeedleFormat(NeedleKind::kKeyValue);
  format.pairs = 1;
  EXPECT_THROW(DrawNeedleText(format, rng), Error);
  format.pairs = 17;
  EXPECT_THROW(DrawNeedleText(format, rng), Error);
}

}  // namespace
}  // namespace ropescale
