// Token-shard files: round trip (uint16 and uint32 storage), atomic writes, and one clear error
// naming file and object for every broken file (damaged with the HDF5 C API).
#include "io/token_shards.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <vector>

#include "io/hdf5_util.h"
#include "tests/io/io_test_util.h"

namespace ropescale {
namespace {

using testing::ExpectErrorWith;
using testing::TempDir;

// Three documents (one empty) over a vocabulary of `vocab` ids, using the largest id.
TokenShards MakeShards(int64_t vocab) {
  TokenShards s;
  s.tokenizer_name = "byte";
  s.vocab_size = vocab;
  s.tokenizer_identity = "sha256:0123abcd";
  s.doc_names = {"alpha", "empty", "gamma"};
  const int32_t top = static_cast<int32_t>(vocab - 1);
  s.tokens = {5, 0, top, 17, 1, top - 1, 42};
  s.doc_offsets = {0, 3, 3, 7};
  s.source = "data/corpus/train";
  s.provenance = {"ropescale tokenize --input x --out y", "0.1.0", "abc123",
                  "2026-11-23T21:00:00Z"};
  return s;
}

void ExpectSame(const TokenShards& a, const TokenShards& b) {
  EXPECT_EQ(a.tokenizer_name, b.tokenizer_name);
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_EQ(a.tokenizer_identity, b.tokenizer_identity);
  EXPECT_EQ(a.doc_names, b.doc_names);
  EXPECT_EQ(a.doc_offsets, b.doc_offsets);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.provenance.command_line, b.provenance.command_line);
  EXPECT_EQ(a.provenance.version, b.provenance.version);
  EXPECT_EQ(a.provenance.git_hash, b.provenance.git_hash);
  EXPECT_EQ(a.provenance.time_utc, b.provenance.time_utc);
}

// The stored element type of /tokens, read with the plain C API: {bytes, is_unsigned}.
std::pair<size_t, bool> StoredTokenType(const std::string& path) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t dataset = H5Dopen2(file, "tokens", H5P_DEFAULT);
  const hid_t type = H5Dget_type(dataset);
  const std::pair<size_t, bool> result{H5Tget_size(type), H5Tget_sign(type) == H5T_SGN_NONE};
  H5Tclose(type);
  H5Dclose(dataset);
  H5Fclose(file);
  return result;
}

bool HasTemporaryFiles(const TempDir& dir) {
  for (const auto& item : std::filesystem::directory_iterator(dir.path())) {
    if (item.path().filename().string().find(".tmp-") != std::string::npos) return true;
  }
  return false;
}

// Opens a written file for writing and hands its root to `damage`.
void Damage(const std::string& path, const std::function<void(const h5::Object& root)>& damage) {
  h5::Object root(h5::Handle(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose), path,
                  "/");
  ASSERT_GE(root.id(), 0);
  damage(root);
}

void DeleteLink(const h5::Object& group, const char* name) {
  ASSERT_GE(H5Ldelete(group.id(), name, H5P_DEFAULT), 0);
}

void ReplaceOffsets(const std::string& path, const std::vector<int64_t>& offsets) {
  Damage(path, [&](const h5::Object& root) {
    DeleteLink(root, "doc_offsets");
    root.WriteInt64("doc_offsets", offsets);
  });
}

void ReplaceStringAttribute(const h5::Object& object, const char* name, const char* value) {
  ASSERT_GE(H5Adelete(object.id(), name), 0);
  object.SetString(name, value);
}

void ReplaceIntAttribute(const h5::Object& object, const char* name, int64_t value) {
  ASSERT_GE(H5Adelete(object.id(), name), 0);
  object.SetInt(name, value);
}

TEST(TokenShardsTest, RoundTripStoresUint16ForSmallVocabularies) {
  TempDir dir;
  const TokenShards written = MakeShards(256);
  WriteTokenShards(dir / "tokens.h5", written);
  const TokenShards read = ReadTokenShards(dir / "tokens.h5");
  ExpectSame(written, read);
  EXPECT_EQ(read.NumDocuments(), 3);
  EXPECT_EQ(read.NumTokens(), 7);
  EXPECT_EQ(std::vector<int32_t>(read.Document(0).begin(), read.Document(0).end()),
            (std::vector<int32_t>{5, 0, 255}));
  EXPECT_TRUE(read.Document(1).empty());
  EXPECT_EQ(read.Document(2).size(), 4u);
  EXPECT_EQ(StoredTokenType(dir / "tokens.h5"), std::make_pair(size_t{2}, true));
  EXPECT_STREQ(TokenStorageType(256), "uint16");
  EXPECT_STREQ(TokenStorageType(65536), "uint16");
  EXPECT_FALSE(HasTemporaryFiles(dir));
}

TEST(TokenShardsTest, RoundTripStoresUint32ForLargeVocabularies) {
  TempDir dir;
  TokenShards written = MakeShards(70000);
  written.tokens[3] = 65536;  // just past what uint16 can hold
  written.tokenizer_identity = "";
  WriteTokenShards(dir / "tokens.h5", written);
  const TokenShards read = ReadTokenShards(dir / "tokens.h5");
  ExpectSame(written, read);
  EXPECT_EQ(read.tokens[2], 69999);
  EXPECT_EQ(StoredTokenType(dir / "tokens.h5"), std::make_pair(size_t{4}, true));
  EXPECT_STREQ(TokenStorageType(65537), "uint32");
}

TEST(TokenShardsTest, EmptyCorpusRoundTrips) {
  TempDir dir;
  TokenShards written = MakeShards(256);
  written.doc_names.clear();
  written.doc_offsets = {0};
  written.tokens.clear();
  WriteTokenShards(dir / "tokens.h5", written);
  ExpectSame(written, ReadTokenShards(dir / "tokens.h5"));
}

TEST(TokenShardsTest, WriteReplacesAnOldFileAtomically) {
  TempDir dir;
  WriteTokenShards(dir / "tokens.h5", MakeShards(256));
  const TokenShards second = MakeShards(1000);
  WriteTokenShards(dir / "tokens.h5", second);
  ExpectSame(second, ReadTokenShards(dir / "tokens.h5"));
  EXPECT_FALSE(HasTemporaryFiles(dir));
}

TEST(TokenShardsTest, WriteRefusesInvalidShardsAndLeavesNoFile) {
  TempDir dir;
  const std::string path = dir / "tokens.h5";
  TokenShards bad_token = MakeShards(256);
  bad_token.tokens[4] = 256;
  ExpectErrorWith([&] { WriteTokenShards(path, bad_token); },
                  {path, "/tokens", "256", "index 4", "'gamma'", "[0, 256)"});
  TokenShards negative = MakeShards(256);
  negative.tokens[0] = -1;
  ExpectErrorWith([&] { WriteTokenShards(path, negative); }, {path, "/tokens", "-1", "'alpha'"});
  TokenShards short_offsets = MakeShards(256);
  short_offsets.doc_offsets.pop_back();
  ExpectErrorWith([&] { WriteTokenShards(path, short_offsets); },
                  {path, "/doc_offsets", "3 offsets", "3 documents"});
  TokenShards no_name = MakeShards(256);
  no_name.tokenizer_name = "";
  ExpectErrorWith([&] { WriteTokenShards(path, no_name); }, {path, "/tokenizer", "'name'"});
  TokenShards no_vocab = MakeShards(256);
  no_vocab.vocab_size = 0;
  ExpectErrorWith([&] { WriteTokenShards(path, no_vocab); }, {path, "vocab_size"});
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(HasTemporaryFiles(dir));
}

TEST(TokenShardsTest, ReadRejectsBrokenOffsets) {
  TempDir dir;
  const std::string path = dir / "tokens.h5";
  WriteTokenShards(path, MakeShards(256));
  ReplaceOffsets(path, {1, 3, 3, 7});
  ExpectErrorWith([&] { ReadTokenShards(path); }, {path, "/doc_offsets", "starts at 1"});
  ReplaceOffsets(path, {0, 4, 3, 7});
  ExpectErrorWith([&] { ReadTokenShards(path); },
                  {path, "/doc_offsets", "decreases at document 1", "'empty'"});
  ReplaceOffsets(path, {0, 3, 3, 6});
  ExpectErrorWith([&] { ReadTokenShards(path); }, {path, "/doc_offsets", "ends at 6", "7 tokens"});
  ReplaceOffsets(path, {0, 3, 7});
  ExpectErrorWith([&] { ReadTokenShards(path); },
                  {path, "/doc_offsets", "3 offsets", "3 documents", "expected 4"});
  // int32 offsets are not the documented int64.
  Damage(path, [](const h5::Object& root) {
    DeleteLink(root, "doc_offsets");
    root.WriteInt32As("doc_offsets", {0, 3, 3, 7}, H5T_STD_I32LE);
  });
  ExpectErrorWith([&] { ReadTokenShards(path); }, {path, "/doc_offsets", "int32", "int64"});
}

TEST(TokenShardsTest, ReadRejectsTokensOutsideTheVocabulary) {
  TempDir dir;
  const std::string path = dir / "tokens.h5";
  WriteTokenShards(path, MakeShards(256));
  Damage(path, [](const h5::Object& root) {
    ReplaceIntAttribute(root.OpenGroup("tokenizer"), "vocab_size", 100);
  });
  ExpectErrorWith([&] { ReadTokenShards(path); },
                  {path, "/tokens", "token id 255", "index 2", "'alpha'", "[0, 100)"});
  // A uint32 id beyond the int32 range must not wrap into a valid one.
  WriteTokenShards(path, MakeShards(70000));
  Damage(path, [](const h5::Object& root) {
    DeleteLink(root, "tokens");
    const std::vector<uint32_t> ids = {5, 0, 4294967295u, 17, 1, 2, 42};
    const hsize_t count = ids.size();
    const hid_t space = H5Screate_simple(1, &count, nullptr);
    const hid_t dataset = H5Dcreate2(root.id(), "tokens", H5T_STD_U32LE, space, H5P_DEFAULT,
                                     H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(H5Dwrite(dataset, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids.data()), 0);
    H5Dclose(dataset);
    H5Sclose(space);
  });
  ExpectErrorWith([&] { ReadTokenShards(path); }, {path, "/tokens", "index 2", "[0, 70000)"});
}

TEST(TokenShardsTest, ReadRejectsWrongTokenDtype) {
  TempDir dir;
  const std::string path = dir / "tokens.h5";
  WriteTokenShards(path, MakeShards(256));
  Damage(path, [](const h5::Object& root) {
    DeleteLink(root, "tokens");
    root.WriteInt32As("tokens", {5, 0, 255, 17, 1, 254, 42}, H5T_STD_I32LE);
  });
  ExpectErrorWith([&] { ReadTokenShards(path); }, {path, "/tokens", "int32", "uint16 or uint32"});
  Damage(path, [](const h5::Object& root) {
    DeleteLink(root, "tokens");
    root.WriteFloat64("tokens", {5, 0, 255, 17, 1, 254, 42});
  });
  ExpectErrorWith([&] { ReadTokenShards(path); }, {path, "/tokens", "float64"});
}

TEST(TokenShardsTest, ReadRejectsWrongFormatAndVersion) {
  TempDir dir;
  const std::string path = dir / "tokens.h5";
  WriteTokenShards(path, MakeShards(256));
  Damage(path, [](const h5::Object& root) {
    ReplaceStringAttribute(root, "format", "ropescale-checkpoint");
  });
  ExpectErrorWith([&] { ReadTokenShards(path); },
                  {path, "'format'", "ropescale-checkpoint", "ropescale-tokens"});
  EXPECT_FALSE(IsTokenShardFile(path));
  Damage(path, [](const h5::Object& root) {
    ReplaceStringAttribute(root, "format", "ropescale-tokens");
  });
  EXPECT_TRUE(IsTokenShardFile(path));
  Damage(path, [](const h5::Object& root) { ReplaceIntAttribute(root, "format_version", 2); });
  ExpectErrorWith([&] { ReadTokenShards(path); }, {path, "format_version 2"});
}

TEST(TokenShardsTest, ReadRejectsMissingObjects) {
  TempDir dir;
  for (const char* name : {"tokens", "doc_offsets", "doc_names", "tokenizer"}) {
    const std::string path = dir / (std::string(name) + ".h5");
    WriteTokenShards(path, MakeShards(256));
    Damage(path, [&](const h5::Object& root) { DeleteLink(root, name); });
    ExpectErrorWith([&] { ReadTokenShards(path); }, {path, std::string("/") + name, "missing"});
  }
  const std::string path = dir / "vocab.h5";
  WriteTokenShards(path, MakeShards(256));
  Damage(path, [](const h5::Object& root) {
    ASSERT_GE(H5Adelete(root.OpenGroup("tokenizer").id(), "vocab_size"), 0);
  });
  ExpectErrorWith([&] { ReadTokenShards(path); }, {path, "/tokenizer", "'vocab_size'", "missing"});
}

TEST(TokenShardsTest, ReadRejectsNamesAndProvenanceThatDisagree) {
  TempDir dir;
  const std::string path = dir / "tokens.h5";
  WriteTokenShards(path, MakeShards(256));
  Damage(path, [](const h5::Object& root) {
    ReplaceIntAttribute(root.OpenGroup("provenance"), "num_tokens", 8);
  });
  ExpectErrorWith([&] { ReadTokenShards(path); }, {path, "/provenance", "'num_tokens' = 8"});
  WriteTokenShards(path, MakeShards(256));
  Damage(path, [](const h5::Object& root) {
    DeleteLink(root, "doc_names");
    root.WriteStrings("doc_names", {"alpha", "empty"});
  });
  ExpectErrorWith([&] { ReadTokenShards(path); }, {path, "/doc_offsets", "2 documents"});
}

TEST(TokenShardsTest, ReadRejectsMissingTruncatedAndNonHdf5Files) {
  TempDir dir;
  ExpectErrorWith([&] { ReadTokenShards(dir / "absent.h5"); }, {dir / "absent.h5", "cannot open"});
  { std::ofstream(dir / "text.h5") << "just some text, not HDF5\n"; }
  ExpectErrorWith([&] { ReadTokenShards(dir / "text.h5"); }, {dir / "text.h5", "not an HDF5"});

  TokenShards big = MakeShards(256);
  big.tokens.assign(200000, 7);
  for (size_t i = 0; i < big.tokens.size(); ++i) big.tokens[i] = static_cast<int32_t>(i % 256);
  big.doc_offsets = {0, 100000, 100000, 200000};
  WriteTokenShards(dir / "full.h5", big);
  const auto size = std::filesystem::file_size(dir / "full.h5");
  std::filesystem::copy_file(dir / "full.h5", dir / "cut.h5");
  std::filesystem::resize_file(dir / "cut.h5", size / 2);
  ExpectErrorWith([&] { ReadTokenShards(dir / "cut.h5"); }, {dir / "cut.h5", "truncated"});
  EXPECT_FALSE(IsTokenShardFile(dir / "cut.h5"));
}

TEST(TokenShardsTest, IsTokenShardFileOnlyForShardFiles) {
  TempDir dir;
  WriteTokenShards(dir / "tokens.h5", MakeShards(256));
  EXPECT_TRUE(IsTokenShardFile(dir / "tokens.h5"));
  EXPECT_FALSE(IsTokenShardFile(dir / "absent.h5"));
  EXPECT_FALSE(IsTokenShardFile(dir.path().string()));  // a folder (of text files, say)
  { std::ofstream(dir / "notes.txt") << "text\n"; }
  EXPECT_FALSE(IsTokenShardFile(dir / "notes.txt"));
  // An HDF5 file with no format attribute, and a checkpoint.
  h5::CreateFile(dir / "plain.h5");
  EXPECT_FALSE(IsTokenShardFile(dir / "plain.h5"));
  Checkpoint checkpoint;
  checkpoint.config = testing::TinyConfig();
  checkpoint.weights = testing::RandomWeights(checkpoint.config, 3);
  WriteCheckpoint(dir / "model.h5", checkpoint);
  EXPECT_FALSE(IsTokenShardFile(dir / "model.h5"));
}

}  // namespace
}  // namespace ropescale
