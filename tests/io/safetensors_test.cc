// safetensors: float conversions, round trips, every rejection of the reader, sharded folders.
#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/io/io_test_util.h"

namespace ropescale {
namespace {

using testing::ExpectErrorWith;
using testing::TempDir;

// Writes a file from a literal header and a buffer of `buffer_size` bytes (0x11 each), with an
// optional header length override.
void WriteRaw(const std::string& path, const std::string& header, size_t buffer_size,
              std::optional<uint64_t> length = std::nullopt) {
  std::ofstream out(path, std::ios::binary);
  uint64_t n = length.value_or(header.size());
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
  out << header << std::string(buffer_size, '\x11');
}

TEST(FloatFormatsTest, HalfKnownValues) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);                      // largest finite
  EXPECT_EQ(FloatToHalf(65519.0f), 0x7bff);                      // below the halfway point
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);                      // halfway: ties to even = inf
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);         // smallest subnormal
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -25)), 0x0000);         // tie between 0 and 1: even
  EXPECT_EQ(FloatToHalf(std::ldexp(3.0f, -25)), 0x0002);         // tie between 1 and 2: even
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie: to even mantissa
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(3.0f, -11)), 0x3c02);
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_FLOAT_EQ(HalfToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isinf(HalfToFloat(0xfc00)) && HalfToFloat(0xfc00) < 0);
  EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(std::nanf("")))));
}

TEST(FloatFormatsTest, BfloatKnownValues) {
  EXPECT_EQ(FloatToBfloat16(1.0f), 0x3f80);
  EXPECT_EQ(FloatToBfloat16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);  // tie: to even
  EXPECT_EQ(FloatToBfloat16(1.0f + std::ldexp(3.0f, -8)), 0x3f82);
  EXPECT_EQ(FloatToBfloat16(-3.0f), 0xc040);
  EXPECT_EQ(Bfloat16ToFloat(0x4049), 3.140625f);
  EXPECT_TRUE(std::isnan(Bfloat16ToFloat(FloatToBfloat16(std::nanf("")))));
}

TEST(FloatFormatsTest, EverySixteenBitPatternSurvivesFloat32) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const auto pattern = static_cast<uint16_t>(bits);
    const float half = HalfToFloat(pattern);
    if (std::isnan(half)) {
      EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(half))));
    } else {
      ASSERT_EQ(FloatToHalf(half), pattern) << "F16 pattern " << bits;
    }
    const float bf = Bfloat16ToFloat(pattern);
    if (std::isnan(bf)) {
      EXPECT_TRUE(std::isnan(Bfloat16ToFloat(FloatToBfloat16(bf))));
    } else {
      ASSERT_EQ(FloatToBfloat16(bf), pattern) << "BF16 pattern " << bits;
    }
  }
}

TEST(SafetensorsTest, RoundTripKeepsBytesAndLayout) {
  TempDir dir;
  const std::vector<float> values = {1.0f, -0.5f, 3.25f, 1e-3f, 65504.0f, -7.0f};
  const std::vector<SafetensorsTensor> tensors = {
      FromFloat32("a.weight", {2, 3}, values, "F32"),
      FromFloat32("b.weight", {3, 2}, values, "F16"),
      FromFloat32("c.weight", {6}, values, "BF16"),
      FromFloat32("empty", {0, 4}, {}, "F32"),
  };
  WriteSafetensors(dir / "t.safetensors", tensors, {{"note", "x"}});

  std::ifstream in(dir / "t.safetensors", std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  EXPECT_EQ(n % 8, 0u) << "header length must be padded to a multiple of 8";
  std::string header(n, '\0');
  in.read(header.data(), n);
  const auto json = nlohmann::json::parse(header);
  EXPECT_EQ(json["__metadata__"]["format"], "pt");

  const SafetensorsFile file = ReadSafetensors(dir / "t.safetensors");
  EXPECT_EQ(file.metadata.at("note"), "x");
  ASSERT_EQ(file.tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(file.tensors[i].name, tensors[i].name);
    EXPECT_EQ(file.tensors[i].dtype, tensors[i].dtype);
    EXPECT_EQ(file.tensors[i].shape, tensors[i].shape);
    EXPECT_EQ(file.tensors[i].bytes, tensors[i].bytes);
  }
  EXPECT_EQ(ToFloat32(file.tensors[0]), values);
  EXPECT_EQ(ToFloat32(file.tensors[1])[2], 3.25f);
}

TEST(SafetensorsTest, RejectsHugeHeaderLength) {
  TempDir dir;
  WriteRaw(dir / "f.safetensors", "{}", 0, kMaxSafetensorsHeader + 1);
  ExpectErrorWith([&] { ReadSafetensors(dir / "f.safetensors"); },
                  {"f.safetensors", "100000001", "exceeds"});
}

TEST(SafetensorsTest, RejectsHeaderPastEndOfFile) {
  TempDir dir;
  WriteRaw(dir / "f.safetensors", "{}", 0, 1000);
  ExpectErrorWith([&] { ReadSafetensors(dir / "f.safetensors"); },
                  {"f.safetensors", "past the end"});
  std::ofstream(dir / "tiny.safetensors") << "abc";
  ExpectErrorWith([&] { ReadSafetensors(dir / "tiny.safetensors"); }, {"tiny.safetensors"});
}

TEST(SafetensorsTest, RejectsBadJson) {
  TempDir dir;
  WriteRaw(dir / "f.safetensors", "{\"a\": [1, 2,   ", 0);
  ExpectErrorWith([&] { ReadSafetensors(dir / "f.safetensors"); }, {"f.safetensors", "JSON"});
  WriteRaw(dir / "g.safetensors", "{\"a\":\"\xff\xfe\"}", 0);
  ExpectErrorWith([&] { ReadSafetensors(dir / "g.safetensors"); }, {"g.safetensors", "JSON"});
}

TEST(SafetensorsTest, RejectsUnknownAndUnsupportedDtypes) {
  TempDir dir;
  WriteRaw(dir / "f.safetensors", R"({"w":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}})", 4);
  ExpectErrorWith([&] { ReadSafetensors(dir / "f.safetensors"); },
                  {"f.safetensors", "'w'", "unknown dtype", "F99"});
  WriteRaw(dir / "g.safetensors", R"({"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8);
  ExpectErrorWith([&] { ReadSafetensors(dir / "g.safetensors"); },
                  {"g.safetensors", "'w'", "I64", "not supported"});
}

TEST(SafetensorsTest, RejectsGapBetweenTensors) {
  TempDir dir;
  WriteRaw(dir / "f.safetensors",
           R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
           R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
           12);
  ExpectErrorWith([&] { ReadSafetensors(dir / "f.safetensors"); }, {"f.safetensors", "'b'", "gap"});
}

TEST(SafetensorsTest, RejectsOverlappingTensors) {
  TempDir dir;
  WriteRaw(dir / "f.safetensors",
           R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
           12);
  ExpectErrorWith([&] { ReadSafetensors(dir / "f.safetensors"); },
                  {"f.safetensors", "'b'", "overlapping"});
}

TEST(SafetensorsTest, RejectsBufferNotStartingAtZero) {
  TempDir dir;
  WriteRaw(dir / "f.safetensors", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
  ExpectErrorWith([&] { ReadSafetensors(dir / "f.safetensors"); }, {"f.safetensors", "'a'", "gap"});
}

TEST(SafetensorsTest, RejectsSizeThatDoesNotMatchTheShape) {
  TempDir dir;
  WriteRaw(dir / "f.safetensors", R"({"w":{"dtype":"BF16","shape":[3],"data_offsets":[0,4]}})", 4);
  ExpectErrorWith([&] { ReadSafetensors(dir / "f.safetensors"); },
                  {"f.safetensors", "'w'", "needs 6"});
}

TEST(SafetensorsTest, RejectsNonIntegerOffsets) {
  TempDir dir;
  WriteRaw(dir / "f.safetensors", R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0.0,4]}})", 4);
  ExpectErrorWith([&] { ReadSafetensors(dir / "f.safetensors"); },
                  {"f.safetensors", "'w'", "data_offsets"});
}

TEST(SafetensorsTest, RejectsTrailingAndMissingBytes) {
  TempDir dir;
  const std::string header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  WriteRaw(dir / "long.safetensors", header, 9);
  ExpectErrorWith([&] { ReadSafetensors(dir / "long.safetensors"); },
                  {"long.safetensors", "trailing"});
  WriteRaw(dir / "short.safetensors", header, 7);
  ExpectErrorWith([&] { ReadSafetensors(dir / "short.safetensors"); },
                  {"short.safetensors", "truncated", "'w'"});
}

TEST(SafetensorsTest, WriterRefusesInconsistentTensors) {
  TempDir dir;
  SafetensorsTensor bad{"w", "F32", {3}, std::vector<uint8_t>(8)};
  ExpectErrorWith([&] { WriteSafetensors(dir / "f.safetensors", {bad}); },
                  {"f.safetensors", "'w'"});
  EXPECT_FALSE(std::filesystem::exists(dir / "f.safetensors"));
}

std::vector<SafetensorsTensor> SomeTensors() {
  std::vector<SafetensorsTensor> tensors;
  for (int i = 0; i < 5; ++i) {
    std::vector<float> values(100 + 10 * i);
    for (size_t j = 0; j < values.size(); ++j) values[j] = static_cast<float>(i * 1000 + j);
    tensors.push_back(FromFloat32("t" + std::to_string(i), {static_cast<int64_t>(values.size())},
                                  values, i % 2 ? "BF16" : "F32"));
  }
  return tensors;
}

TEST(SafetensorsFolderTest, SingleFileWhenItFits) {
  TempDir dir;
  const auto files = WriteSafetensorsFolder(dir.path().string(), SomeTensors(), 1 << 20);
  EXPECT_EQ(files, std::vector<std::string>{"model.safetensors"});
  const auto read = ReadSafetensorsFolder(dir.path().string());
  ASSERT_EQ(read.size(), 5u);
  for (size_t i = 0; i < read.size(); ++i) EXPECT_EQ(read[i].bytes, SomeTensors()[i].bytes);
}

TEST(SafetensorsFolderTest, ShardsWithIndex) {
  TempDir dir;
  const auto tensors = SomeTensors();
  uint64_t total = 0;
  for (const auto& t : tensors) total += t.bytes.size();
  const auto files = WriteSafetensorsFolder(dir.path().string(), tensors, 700);
  ASSERT_GE(files.size(), 3u);
  EXPECT_EQ(files.back(), "model.safetensors.index.json");
  EXPECT_EQ(files.front(),
            "model-00001-of-" + fmt::format("{:05d}", files.size() - 1) + ".safetensors");
  for (size_t k = 0; k + 1 < files.size(); ++k) {
    EXPECT_LE(std::filesystem::file_size(dir / files[k]), 700u + 400u);  // data <= 700 + header
  }
  std::ifstream in(dir / "model.safetensors.index.json");
  const auto index = nlohmann::json::parse(in);
  EXPECT_EQ(index["metadata"]["total_size"].get<uint64_t>(), total);
  EXPECT_EQ(index["weight_map"].size(), tensors.size());

  const auto read = ReadSafetensorsFolder(dir.path().string());
  ASSERT_EQ(read.size(), tensors.size());
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].name, tensors[i].name);
    EXPECT_EQ(read[i].bytes, tensors[i].bytes);
  }
  // Writing again as one file removes the stale shards and index.
  WriteSafetensorsFolder(dir.path().string(), tensors, 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "model.safetensors.index.json"));
  EXPECT_FALSE(std::filesystem::exists(dir / files.front()));
}

class BrokenIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = WriteSafetensorsFolder(dir_.path().string(), SomeTensors(), 700);
    std::ifstream in(dir_ / "model.safetensors.index.json");
    index_ = nlohmann::json::parse(in);
  }
  void SaveIndex() { std::ofstream(dir_ / "model.safetensors.index.json") << index_.dump(); }

  TempDir dir_;
  std::vector<std::string> files_;
  nlohmann::json index_;
};

TEST_F(BrokenIndexTest, MissingIndexedFile) {
  std::filesystem::remove(dir_ / files_[1]);
  ExpectErrorWith([&] { ReadSafetensorsFolder(dir_.path().string()); },
                  {"model.safetensors.index.json", files_[1], "does not exist"});
}

TEST_F(BrokenIndexTest, IndexedTensorNotFound) {
  index_["weight_map"]["ghost"] = files_[0];
  SaveIndex();
  ExpectErrorWith([&] { ReadSafetensorsFolder(dir_.path().string()); },
                  {"model.safetensors.index.json", "'ghost'"});
}

TEST_F(BrokenIndexTest, TensorMissingFromIndex) {
  index_["weight_map"].erase("t0");
  SaveIndex();
  ExpectErrorWith([&] { ReadSafetensorsFolder(dir_.path().string()); },
                  {"model.safetensors.index.json", "'t0'", "not in the weight_map"});
}

TEST(SafetensorsFolderTest, EmptyFolderIsAnError) {
  TempDir dir;
  ExpectErrorWith([&] { ReadSafetensorsFolder(dir.path().string()); },
                  {dir.path().string(), "model.safetensors"});
}

}  // namespace
}  // namespace ropescale
