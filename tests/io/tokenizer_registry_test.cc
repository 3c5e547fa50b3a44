// OpenTokenizer / OpenTokenizerFromBytes choose the tokenizer a spec or a file name means
// (byte, a folder preferring tokenizer.json, a file by extension or content), and
// CheckSameTokenizer refuses data made with another tokenizer, naming the file and both.
#include "io/tokenizer_registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "src/core/read_file.h"
#include "tests/io/io_test_util.h"
#include "tests/io/tokenizer_test_util.h"

namespace ropescale {
namespace {

namespace fs = std::filesystem;
using testing::ExpectErrorWith;
using testing::TempDir;

const std::string kJson = testing::TokenizerFixture("byte-level-bpe/tokenizer.json");
const std::string kModel = testing::TokenizerFixture("sentencepiece/tokenizer.model");

TEST(OpenTokenizer, ByteIsTheByteTokenizer) {
  const auto tokenizer = OpenTokenizer("byte");
  EXPECT_EQ(tokenizer->Identity(), (TokenizerIdentity{"byte", 256, ""}));
  EXPECT_EQ(tokenizer->Encode("Hi"), (std::vector<int32_t>{72, 105}));
}

TEST(OpenTokenizer, AFolderPrefersTokenizerJson) {
  TempDir scratch;
  fs::create_directories(scratch / "both");
  fs::copy_file(kJson, scratch / "both/tokenizer.json");
  fs::copy_file(kModel, scratch / "both/tokenizer.model");
  EXPECT_EQ(OpenTokenizer(scratch / "both")->Identity().name, "hf-tokenizer-json");
  fs::remove(scratch / "both/tokenizer.json");
  EXPECT_EQ(OpenTokenizer(scratch / "both")->Identity().name, "sentencepiece");
  // The fixtures' own folders.
  EXPECT_EQ(OpenTokenizer(testing::TokenizerFixture("metaspace-bpe"))->Identity().vocab_size, 1000);
}

TEST(OpenTokenizer, AFileByItsExtensionOrContent) {
  TempDir scratch;
  EXPECT_EQ(OpenTokenizer(kJson)->Identity().name, "hf-tokenizer-json");
  EXPECT_EQ(OpenTokenizer(kModel)->Identity().name, "sentencepiece");
  fs::copy_file(kJson, scratch / "tok.bin");
  fs::copy_file(kModel, scratch / "sp.bin");
  EXPECT_EQ(OpenTokenizer(scratch / "tok.bin")->Identity().name, "hf-tokenizer-json");
  EXPECT_EQ(OpenTokenizer(scratch / "sp.bin")->Identity().name, "sentencepiece");
  // From bytes: the same identity as from the file, whatever the name.
  EXPECT_EQ(OpenTokenizerFromBytes("x/tokenizer.json", ReadFileBytes(kJson))->Identity(),
            OpenTokenizer(kJson)->Identity());
  EXPECT_EQ(OpenTokenizerFromBytes("embedded", ReadFileBytes(kModel))->Identity(),
            OpenTokenizer(kModel)->Identity());
}

TEST(OpenTokenizer, RefusesWhatIsNoTokenizerNamingIt) {
  TempDir scratch;
  ExpectErrorWith(
      [&] { OpenTokenizer(scratch / "missing"); },
      {scratch / "missing", "no such file or folder", "tokenizer.json", "tokenizer.model"});
  ExpectErrorWith([] { OpenTokenizer("sentencepiece"); }, {"'sentencepiece'", "byte"});
  ExpectErrorWith([] { OpenTokenizer(""); }, {"no such file or folder"});
  ExpectErrorWith([&] { OpenTokenizer(scratch.path().string()); },
                  {scratch.path().string(), "neither tokenizer.json nor tokenizer.model"});
  fs::create_directories(scratch / "corrupt");
  std::ofstream(scratch / "corrupt/tokenizer.json") << "{\"version\": \"1.0\", \"model\": ";
  ExpectErrorWith([&] { OpenTokenizer(scratch / "corrupt"); },
                  {scratch / "corrupt/tokenizer.json", "`tokenizers` library"});
  std::ofstream(scratch / "corrupt/tokenizer.model") << "not a protobuf";
  ExpectErrorWith([&] { OpenTokenizer(scratch / "corrupt/tokenizer.model"); },
                  {scratch / "corrupt/tokenizer.model", "not a SentencePiece model"});
}

TEST(CheckSameTokenizer, PassesEqualIdentitiesAndRefusesAnyDifference) {
  const TokenizerIdentity model{"hf-tokenizer-json", 1002, "sha256:aa"};
  CheckSameTokenizer(model, model, "train.h5");
  CheckSameTokenizer({"byte", 256, ""}, {"byte", 256, ""}, "train.h5");
  for (const TokenizerIdentity& data : {TokenizerIdentity{"byte", 256, ""},
                                        TokenizerIdentity{"hf-tokenizer-json", 1000, "sha256:aa"},
                                        TokenizerIdentity{"hf-tokenizer-json", 1002, "sha256:bb"},
                                        TokenizerIdentity{"sentencepiece", 1002, "sha256:aa"}}) {
    ExpectErrorWith([&] { CheckSameTokenizer(model, data, "data/train.h5"); },
                    {"data/train.h5", DescribeTokenizer(data), DescribeTokenizer(model)});
  }
}

}  // namespace
}  // namespace ropescale
