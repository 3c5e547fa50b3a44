#include "src/search/factor_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "src/core/error.h"

namespace ropescale::search {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  const std::string path =
      (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))).string();
  std::ofstream(path) << text;
  return path;
}

TEST(ReadFactorFile, ReadsCsvWithCommentsAndNewLines) {
  const std::string path = Write("factors.csv", "# searched\n1.0, 1.5;2\n 4 8e0\n");
  EXPECT_EQ(ReadFactorFile(path), (std::vector<double>{1.0, 1.5, 2.0, 4.0, 8.0}));
  std::filesystem::remove(path);
}

TEST(ReadFactorFile, ReadsJsonListBlockAndConfig) {
  const std::string list = Write("list.json", "[1, 2.5]");
  const std::string block = Write("block.json", R"({"rope_type":"longrope","long_factor":[1,3]})");
  const std::string config =
      Write("config.json", R"({"hidden_size":8,"rope_scaling":{"long_factor":[2,4]}})");
  EXPECT_EQ(ReadFactorFile(list), (std::vector<double>{1, 2.5}));
  EXPECT_EQ(ReadFactorFile(block), (std::vector<double>{1, 3}));
  EXPECT_EQ(ReadFactorFile(config), (std::vector<double>{2, 4}));
  for (const auto& p : {list, block, config}) std::filesystem::remove(p);
}

TEST(ReadFactorFile, RejectsBadFiles) {
  EXPECT_THROW(ReadFactorFile("/nonexistent/factors.csv"), Error);
  const std::string word = Write("word.csv", "1.0, two\n");
  const std::string empty = Write("empty.csv", "# nothing\n");
  const std::string no_list = Write("nolist.json", R"({"factor": 8})");
  const std::string strings = Write("strings.json", R"(["1", "2"])");
  for (const auto& p : {word, empty, no_list, strings}) {
    EXPECT_THROW(ReadFactorFile(p), Error) << p;
    std::filesystem::remove(p);
  }
}

TEST(ReadScalingFile, ReadsTheAttentionFieldsOfABlockOrAConfig) {
  const std::string block = Write("scaled.json", R"({"rope_type":"longrope","long_factor":[1,3],
      "attention_factor":1.25,"frequency_scale":[0.5,2]})");
  const std::string config = Write(
      "config-scaled.json", R"({"rope_scaling":{"long_factor":[2,4],"attention_factor":1.5}})");
  const std::string csv = Write("plain.csv", "1, 2\n");
  const ScalingFile from_block = ReadScalingFile(block);
  EXPECT_EQ(from_block.long_factor, (std::vector<double>{1, 3}));
  EXPECT_EQ(from_block.attention_factor, 1.25);
  EXPECT_EQ(from_block.frequency_scale, (std::vector<double>{0.5, 2}));
  const ScalingFile from_config = ReadScalingFile(config);
  EXPECT_EQ(from_config.long_factor, (std::vector<double>{2, 4}));
  EXPECT_EQ(from_config.attention_factor, 1.5);
  EXPECT_TRUE(from_config.frequency_scale.empty());
  const ScalingFile from_csv = ReadScalingFile(csv);
  EXPECT_EQ(from_csv.long_factor, (std::vector<double>{1, 2}));
  EXPECT_FALSE(from_csv.attention_factor.has_value());
  const std::string bad = Write("bad-scale.json", R"({"long_factor":[1],"frequency_scale":"x"})");
  EXPECT_THROW(ReadScalingFile(bad), Error);
  for (const auto& p : {block, config, csv, bad}) std::filesystem::remove(p);
}

}  // namespace
}  // namespace ropescale::search
