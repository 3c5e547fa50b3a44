// The evaluation-document file: sets round-trip exactly (tokens, weights, targets, origins,
// formats, depths), they are the documents `eval passkey` and `eval ppl` draw for the same
// seed, and a reader refuses a damaged set or another tokenizer's documents.
#include "src/eval/document_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "io/hdf5_util.h"
#include "src/core/error.h"
#include "src/eval/passkey_suite.h"
#include "src/eval/text_windows.h"
#include "tests/eval/eval_test_data.h"

namespace ropescale {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "-" + std::to_string(::getpid()) + ".h5"))
      .string();
}

DocumentFileSettings SmallSettings() {
  DocumentFileSettings settings;
  settings.lengths = {200, 300};
  settings.formats = {DefaultNeedleFormat(NeedleKind::kPasskey),
                      DefaultNeedleFormat(NeedleKind::kMagicNumber)};
  settings.depths = EvenDepths(3);
  settings.needle_documents = 4;
  settings.windows = 3;
  settings.seed = 77;
  return settings;
}

DocumentFile SmallFile() {
  DocumentFile file;
  file.tokenizer = ByteTokenizer().Identity();
  file.source = "repeated lines";
  file.seed = 77;
  file.provenance = {"ropescale documents ...", "v", "abc", "2026-12-01T00:00:00Z"};
  file.sets =
      BuildDocumentSets(testing::RepeatedLinesCorpus(5, 1000), SmallSettings(), ByteTokenizer());
  return file;
}

TEST(DocumentFile, EvenDepthsSpanZeroToOne) {
  const auto depths = EvenDepths(10);
  ASSERT_EQ(depths.size(), 10u);
  EXPECT_EQ(*depths.front(), 0.0);
  EXPECT_EQ(*depths.back(), 1.0);
  EXPECT_NEAR(*depths[3], 1.0 / 3.0, 1e-15);
  EXPECT_EQ(*EvenDepths(1).front(), 0.5);
  EXPECT_THROW(EvenDepths(0), Error);
}

TEST(DocumentFile, SetsAreThePasskeySuitesDocumentsThenWindows) {
  const DocumentFile file = SmallFile();
  // 2 formats x 2 lengths x 3 depths of needles, then one window set per length.
  ASSERT_EQ(file.sets.size(), 2u * 2u * 3u + 2u);
  PasskeySettings passkey;
  passkey.lengths = {200, 300};
  passkey.documents = 4;
  passkey.depths = EvenDepths(3);
  passkey.formats = SmallSettings().formats;
  passkey.seed = 77;
  const auto expected =
      MakePasskeyDocuments(testing::RepeatedLinesCorpus(5, 1000), passkey, ByteTokenizer());
  for (size_t s = 0; s < expected.size(); ++s) {
    EXPECT_EQ(file.sets[s].documents, expected[s].documents) << s;
    EXPECT_EQ(file.sets[s].length, expected[s].length);
    for (size_t d = 0; d < file.sets[s].origins.size(); ++d) {
      const DocumentOrigin& origin = file.sets[s].origins[d];
      EXPECT_EQ(origin.key.size(), static_cast<size_t>(expected[s].format.digits));
      // The key is what the document's answer positions spell.
      const EvaluationDocument& doc = file.sets[s].documents[d];
      EXPECT_EQ(ByteTokenizer().Decode(
                    std::vector<int32_t>(doc.tokens.end() - origin.key.size(), doc.tokens.end())),
                origin.key);
      EXPECT_GE(origin.needle_begin, 0);
    }
  }
  const DocumentSet& windows = file.sets[12];
  EXPECT_EQ(windows.kind, FitnessKind::kPerplexity);
  EXPECT_EQ(windows.length, 200);
  EXPECT_EQ(windows.origins[0].needle_begin, -1);
}

TEST(DocumentFile, RoundTripsEverySetExactly) {
  const DocumentFile file = SmallFile();
  const std::string path = TempPath("documents-roundtrip");
  WriteDocumentFile(path, file);
  const DocumentFile read = ReadDocumentFile(path);
  std::filesystem::remove(path);
  EXPECT_EQ(read.tokenizer, file.tokenizer);
  EXPECT_EQ(read.source, file.source);
  EXPECT_EQ(read.seed, file.seed);
  EXPECT_EQ(read.provenance.command_line, file.provenance.command_line);
  ASSERT_EQ(read.sets.size(), file.sets.size());
  for (size_t s = 0; s < file.sets.size(); ++s) {
    const DocumentSet& a = file.sets[s];
    const DocumentSet& b = read.sets[s];
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.length, b.length);
    EXPECT_EQ(a.depth, b.depth);
    EXPECT_EQ(a.format.kind, b.format.kind);
    EXPECT_EQ(a.format.digits, b.format.digits);
    EXPECT_EQ(a.documents, b.documents);  // tokens, targets, weights
    EXPECT_EQ(a.origins, b.origins);
  }
}

TEST(DocumentFile, SelectsAndGroupsByLength) {
  const DocumentFile file = SmallFile();
  EXPECT_EQ(SelectSets(file, FitnessKind::kNeedle, 300).size(), 6u);
  EXPECT_EQ(SelectSets(file, FitnessKind::kPerplexity).size(), 2u);
  EXPECT_TRUE(SelectSets(file, FitnessKind::kNeedle, 400).empty());
  const auto lengths = LengthDocumentsFromFile(file, true, "f.h5");
  ASSERT_EQ(lengths.size(), 2u);
  EXPECT_EQ(lengths[1].length, 300);
  EXPECT_EQ(lengths[1].windows.size(), 3u);
  EXPECT_EQ(lengths[1].needles.size(), 6u * 4u);
  EXPECT_EQ(DocumentFileContents(file),
            "24 needle of length 200, 24 needle of length 300, 3 ppl of length 200, 3 ppl of "
            "length 300");
}

TEST(DocumentFile, RefusesAnotherTokenizersDocuments) {
  const DocumentFile file = SmallFile();
  TokenizerIdentity other{"hf-tokenizer-json", 256, "sha256:00"};
  try {
    CheckDocumentTokenizer(file, other, "docs.h5");
    FAIL() << "accepted another tokenizer";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("docs.h5"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("hf-tokenizer-json"), std::string::npos);
  }
  EXPECT_NO_THROW(CheckDocumentTokenizer(file, ByteTokenizer().Identity(), "docs.h5"));
}

TEST(DocumentFile, WriterRefusesInconsistentSets) {
  const std::string path = TempPath("documents-bad");
  DocumentFile file = SmallFile();
  file.sets[0].documents[1].loss_weights[5] = 0.5f;
  EXPECT_THROW(WriteDocumentFile(path, file), Error);
  file = SmallFile();
  file.sets[1].documents[0].tokens[0] = 256;  // outside the byte vocabulary
  EXPECT_THROW(WriteDocumentFile(path, file), Error);
  file = SmallFile();
  file.sets[2].origins.pop_back();
  EXPECT_THROW(WriteDocumentFile(path, file), Error);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(DocumentFile, ReaderNamesTheDamagedObject) {
  const std::string path = TempPath("documents-damaged");
  DocumentFile file = SmallFile();
  file.sets.resize(1);
  WriteDocumentFile(path, file);
  // Remove a set's keys.
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(id, 0);
  ASSERT_GE(H5Ldelete(id, "/sets/set-00000/key", H5P_DEFAULT), 0);
  H5Fclose(id);
  try {
    ReadDocumentFile(path);
    FAIL() << "read a set without keys";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("set-00000"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
  EXPECT_THROW(ReadDocumentFile(path), Error);  // missing file
}

}  // namespace
}  // namespace ropescale
