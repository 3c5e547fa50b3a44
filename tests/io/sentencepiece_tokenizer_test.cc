// SentencePieceTokenizer against Debian's SentencePiece tools on the trained fixture
// (tests/fixtures/tokenizers/sentencepiece/tokenizer.model): every line of the whole corpus and
// of a multilingual sample token for token with `spm_encode --output_format=id` (spm_encode
// encodes line by line), each piece's bytes against `--output_format=piece`; whole documents
// round trip; identity and hash; errors for bad model bytes and bad input.
#include "io/sentencepiece_tokenizer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "src/core/read_file.h"
#include "tests/io/io_test_util.h"
#include "tests/io/tokenizer_test_util.h"

namespace ropescale {
namespace {

using testing::ExpectErrorWith;
using testing::TempDir;

const std::string kModel = testing::TokenizerFixture("sentencepiece/tokenizer.model");

SentencePieceTokenizer OpenFixture() {
  return SentencePieceTokenizer(kModel, ReadFileBytes(kModel));
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::vector<std::string> SplitSpaces(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

// Every line of the corpus and the sample, one file; the lines in order.
std::vector<std::string> WriteAllLines(const std::string& path) {
  std::string all;
  for (const std::string& file : testing::CorpusFiles()) all += ReadFileBytes(file);
  all += testing::MultilingualSample() + "\n";
  std::ofstream(path, std::ios::binary) << all;
  return SplitLines(all);
}

// The text a piece stands for by its spelling: "▁" is a space.
std::string PieceText(const std::string& piece) {
  std::string text;
  const std::string space = "\xE2\x96\x81";  // U+2581
  for (size_t i = 0; i < piece.size();) {
    if (piece.compare(i, space.size(), space) == 0) {
      text += ' ';
      i += space.size();
    } else {
      text += piece[i++];
    }
  }
  return text;
}

TEST(SentencePieceTokenizer, MatchesSpmEncodeLineByLineOverTheWholeCorpus) {
  TempDir scratch;
  const std::vector<std::string> lines = WriteAllLines(scratch / "lines.txt");
  ASSERT_GT(lines.size(), 180000u);
  const std::string spm = "spm_encode --model='" + kModel + "' --input='" + (scratch / "lines.txt");
  const std::vector<std::string> ids = SplitLines(testing::Capture(spm + "' --output_format=id"));
  const std::vector<std::string> pieces =
      SplitLines(testing::Capture(spm + "' --output_format=piece"));
  ASSERT_EQ(ids.size(), lines.size()) << "spm_encode missing? apt-get install sentencepiece";
  ASSERT_EQ(pieces.size(), lines.size());

  const SentencePieceTokenizer tokenizer = OpenFixture();
  int64_t tokens = 0;
  int64_t byte_pieces = 0;
  for (size_t l = 0; l < lines.size(); ++l) {
    const std::string& line = lines[l];
    std::vector<int32_t> expected;
    for (const std::string& id : SplitSpaces(ids[l])) expected.push_back(std::stoi(id));
    ASSERT_EQ(tokenizer.Encode(line), expected) << "line " << l << ": " << line;
    const std::vector<TokenPiece> encoded = tokenizer.EncodeWithOffsets(line);
    const std::vector<std::string> spelled = SplitSpaces(pieces[l]);
    ASSERT_EQ(encoded.size(), spelled.size()) << "line " << l;
    testing::ExpectPiecesCoverText(encoded, line, "line " + std::to_string(l));
    for (size_t t = 0; t < encoded.size(); ++t) {
      ASSERT_EQ(encoded[t].id, expected[t]);
      const std::string slice = line.substr(encoded[t].begin, encoded[t].end - encoded[t].begin);
      if (spelled[t].starts_with("<0x")) {  // byte fallback: the character's bytes, once
        ++byte_pieces;
        continue;
      }
      // The piece's bytes are its spelling; the first piece's "▁" is the dummy prefix.
      const std::string want = PieceText(spelled[t]);
      EXPECT_TRUE(slice == want || (t == 0 && " " + slice == want))
          << "line " << l << " piece " << t << " '" << spelled[t] << "' covers '" << slice << "'";
    }
    tokens += static_cast<int64_t>(expected.size());
  }
  EXPECT_GT(tokens, 1'000'000);
  EXPECT_GT(byte_pieces, 0);  // the sample's non-ASCII characters
}

TEST(SentencePieceTokenizer, WholeDocumentsRoundTrip) {
  const SentencePieceTokenizer tokenizer = OpenFixture();
  std::vector<std::string> texts;
  for (const std::string& file : testing::CorpusFiles()) texts.push_back(ReadFileBytes(file));
  texts.push_back(testing::MultilingualSample());
  for (size_t t = 0; t < texts.size(); ++t) {
    const std::string& text = texts[t];
    const std::vector<TokenPiece> pieces = tokenizer.EncodeWithOffsets(text);
    testing::ExpectPiecesCoverText(pieces, text, text.substr(0, 40));
    std::vector<int32_t> ids;
    ids.reserve(pieces.size());
    for (const TokenPiece& piece : pieces) ids.push_back(piece.id);
    if (t == 0 || t + 1 == texts.size()) ASSERT_EQ(tokenizer.Encode(text), ids);
    ASSERT_EQ(tokenizer.Decode(ids), text) << text.substr(0, 40);
  }
  // Newlines are not in the vocabulary: byte fallback <0x0A> (id 3 + 10), as LLaMA-2's.
  EXPECT_EQ(tokenizer.Encode("a\nb")[1], 13);
  EXPECT_TRUE(tokenizer.Encode("").empty());
}

TEST(SentencePieceTokenizer, EncodeAddsNoBosOrEos) {
  const SentencePieceTokenizer tokenizer = OpenFixture();
  for (int32_t id : tokenizer.Encode("To be, or not to be")) {
    EXPECT_NE(id, 1);  // <s>
    EXPECT_NE(id, 2);  // </s>
  }
}

TEST(SentencePieceTokenizer, IdentityIsTheNameTheVocabularyAndTheFileHash) {
  const TokenizerIdentity identity = OpenFixture().Identity();
  EXPECT_EQ(identity.name, "sentencepiece");
  // The vocabulary by SentencePiece's own export: one line per piece.
  const std::string vocab = testing::Capture("spm_export_vocab --model='" + kModel + "'");
  EXPECT_EQ(identity.vocab_size, static_cast<int64_t>(SplitLines(vocab).size()));
  EXPECT_EQ(identity.vocab_size, 1000);
  EXPECT_EQ(identity.identity, testing::Sha256sumOf(kModel));
}

TEST(SentencePieceTokenizer, BytesInMemoryNeedNoFile) {
  const SentencePieceTokenizer from_bytes("checkpoint.h5:/tokenizer/tokenizer.model",
                                          ReadFileBytes(kModel));
  const std::string text = testing::MultilingualSample();
  EXPECT_EQ(from_bytes.EncodeWithOffsets(text), OpenFixture().EncodeWithOffsets(text));
  EXPECT_EQ(from_bytes.Identity(), OpenFixture().Identity());
}

TEST(SentencePieceTokenizer, RefusesBytesThatAreNoModel) {
  ExpectErrorWith([] { SentencePieceTokenizer("empty.model", ""); }, {"empty.model"});
  ExpectErrorWith([] { SentencePieceTokenizer("json.model", "{\"model\": {}}"); },
                  {"json.model", "not a SentencePiece model"});
  const std::string model = ReadFileBytes(kModel);
  ExpectErrorWith([&] { SentencePieceTokenizer("cut.model", model.substr(0, model.size() / 2)); },
                  {"cut.model", "not a SentencePiece model"});
}

TEST(SentencePieceTokenizer, RefusesBadInputNamingIt) {
  const SentencePieceTokenizer tokenizer = OpenFixture();
  ExpectErrorWith([&] { tokenizer.Encode(std::string("ab\xFF", 3)); },
                  {"tokenizer.model", "not valid UTF-8 at byte 2"});
  ExpectErrorWith([&] { tokenizer.EncodeWithOffsets(std::string("\xED\xA0\x80", 3)); },
                  {"not valid UTF-8 at byte 0"});
  ExpectErrorWith(
      [&] {
        tokenizer.Decode({7, 1000});
      },
      {"tokenizer.model", "token 1000 at index 1"});
}

}  // namespace
}  // namespace ropescale
