// Reading the published configs in tests/fixtures/rope (values from their README), the reader's
// spelling rules, and its errors.
#include "src/rope/hf_rope_config.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "src/core/error.h"
#include "src/rope/rope_frequencies.h"
#include "tests/rope/fixture_path.h"

namespace ropescale {
namespace {

using nlohmann::json;
using testing::ReadFixture;

RopeSpec Read(const std::string& fixture) {
  return RopeSpecFromHfConfig(ReadFixture(fixture), fixture);
}

void ExpectError(const json& config, const std::string& needle) {
  try {
    RopeSpecFromHfConfig(config, "cfg.json");
    ADD_FAILURE() << "accepted; expected an error with '" << needle << "'";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(needle), std::string::npos) << message;
    EXPECT_NE(message.find("cfg.json"), std::string::npos) << message;
  }
}

TEST(HfRopeConfigFixtures, Phi3MiniSu) {
  const RopeSpec spec = Read("phi-3-mini-128k-instruct.json");
  EXPECT_EQ(spec.kind, RopeKind::kLongRope);
  EXPECT_EQ(spec.head_dim, 96);  // 3072 / 32
  EXPECT_EQ(spec.rotary_dim(), 96);
  EXPECT_EQ(spec.base, 10000.0);
  EXPECT_EQ(spec.max_position_embeddings, 131072);
  EXPECT_EQ(spec.original_max_position_embeddings, 4096);
  EXPECT_EQ(spec.short_factor.size(), 48u);
  EXPECT_EQ(spec.long_factor.size(), 48u);
  EXPECT_EQ(spec.long_factor[0], 1.0299999713897705);
  EXPECT_EQ(spec.factor, 0.0);  // not in the config: M / L
  EXPECT_EQ(spec.scale(), 32.0);
  EXPECT_DOUBLE_EQ(ComputeRopeFrequencies(spec, 131072).attention_scaling,
                   std::sqrt(1.0 + std::log(32.0) / std::log(4096.0)));
}

TEST(HfRopeConfigFixtures, Phi3MediumAndPhi35) {
  const RopeSpec medium = Read("phi-3-medium-128k-instruct.json");
  EXPECT_EQ(medium.rotary_dim(), 128);  // 5120 / 40
  EXPECT_EQ(medium.long_factor.size(), 64u);
  const RopeSpec phi35 = Read("phi-3.5-mini-instruct.json");
  EXPECT_EQ(phi35.kind, RopeKind::kLongRope);
  EXPECT_EQ(phi35.rotary_dim(), 96);
  EXPECT_EQ(phi35.long_factor[0], 1.0800000429153442);
}

TEST(HfRopeConfigFixtures, Phi4MiniPartialRotary) {
  const RopeSpec spec = Read("phi-4-mini-instruct.json");
  EXPECT_EQ(spec.head_dim, 128);  // 3072 / 24
  EXPECT_EQ(spec.partial_rotary_factor, 0.75);
  EXPECT_EQ(spec.rotary_dim(), 96);
  EXPECT_EQ(spec.long_factor.size(), 48u);
  EXPECT_EQ(spec.long_factor[0], 1.0);  // written as the integer 1
  EXPECT_EQ(ComputeRopeFrequencies(spec, 4096).inv_freq.size(), 48u);
}

TEST(HfRopeConfigFixtures, Llama3) {
  const RopeSpec spec = Read("llama-3.1-8b-instruct.json");
  EXPECT_EQ(spec.kind, RopeKind::kLlama3);
  EXPECT_EQ(spec.head_dim, 128);
  EXPECT_EQ(spec.base, 500000.0);
  EXPECT_EQ(spec.factor, 8.0);
  EXPECT_EQ(spec.low_freq_factor, 1.0);
  EXPECT_EQ(spec.high_freq_factor, 4.0);
  EXPECT_EQ(spec.original_max_position_embeddings, 8192);  // inside rope_scaling
  const RopeSpec small = Read("llama-3.2-1b-instruct.json");
  EXPECT_EQ(small.head_dim, 64);
  EXPECT_EQ(small.factor, 32.0);
  const RopeSpec exaone = Read("exaone-4.0-32b.json");
  EXPECT_EQ(exaone.kind, RopeKind::kLlama3);
  EXPECT_EQ(exaone.factor, 16.0);
  EXPECT_EQ(exaone.base, 1000000.0);
}

TEST(HfRopeConfigFixtures, DeepSeekYarnUsesRopeHeadDim) {
  for (const char* name : {"deepseek-v2-lite.json", "deepseek-v3.json"}) {
    const RopeSpec spec = Read(name);
    EXPECT_EQ(spec.kind, RopeKind::kYarn) << name;
    EXPECT_EQ(spec.head_dim, 64) << name;  // qk_rope_head_dim, not hidden / heads
    EXPECT_EQ(spec.factor, 40.0) << name;
    EXPECT_EQ(spec.original_max_position_embeddings, 4096) << name;
    ASSERT_TRUE(spec.mscale.has_value()) << name;
    ASSERT_TRUE(spec.mscale_all_dim.has_value()) << name;
    // Equal mscale and mscale_all_dim: attention scaling 1.
    EXPECT_DOUBLE_EQ(ComputeRopeFrequencies(spec, 0).attention_scaling, 1.0) << name;
  }
}

TEST(HfRopeConfigFixtures, GptOssOlmoYarn) {
  const RopeSpec oss = Read("gpt-oss-120b.json");
  EXPECT_EQ(oss.kind, RopeKind::kYarn);
  EXPECT_FALSE(oss.truncate);
  EXPECT_EQ(oss.base, 150000.0);
  EXPECT_EQ(oss.head_dim, 64);
  const RopeSpec olmo = Read("olmo-3.1-32b-instruct.json");
  ASSERT_TRUE(olmo.attention_factor.has_value());
  EXPECT_EQ(*olmo.attention_factor, 1.2079441541679836);
  EXPECT_EQ(olmo.head_dim, 128);  // 5120 / 40
}

TEST(HfRopeConfigFixtures, DevstralRopeParameters) {
  const RopeSpec big = Read("devstral-2-123b-instruct.json");
  EXPECT_EQ(big.kind, RopeKind::kYarn);
  EXPECT_EQ(big.base, 1000000.0);  // inside rope_parameters, no top-level rope_theta
  EXPECT_EQ(big.beta_fast, 4.0);
  ASSERT_TRUE(big.mscale_all_dim.has_value());
  EXPECT_EQ(*big.mscale_all_dim, 0.0);
  // mscale_all_dim 0.0 is falsy in `if mscale and mscale_all_dim`: 0.1 ln 64 + 1.
  EXPECT_DOUBLE_EQ(ComputeRopeFrequencies(big, 0).attention_scaling, 0.1 * std::log(64.0) + 1);

  const RopeSpec small = Read("devstral-small-2-24b-instruct.json");  // under text_config
  EXPECT_EQ(small.base, 100000000.0);
  EXPECT_EQ(small.factor, 48.0);
  EXPECT_EQ(small.original_max_position_embeddings, 8192);
  EXPECT_EQ(small.max_position_embeddings, 393216);
}

TEST(HfRopeConfigFixtures, GemmaIsRejectedNamingTheMissingField) {
  try {
    Read("gemma-3-4b-it.json");
    FAIL() << "gemma-3-4b-it.json has no head_dim or num_attention_heads";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("text_config.num_attention_heads"), std::string::npos) << message;
    EXPECT_NE(message.find("gemma-3-4b-it.json"), std::string::npos) << message;
  }
}

json BaseConfig() {
  return json{{"hidden_size", 256},
              {"num_attention_heads", 4},
              {"max_position_embeddings", 8192},
              {"rope_theta", 10000.0}};
}

TEST(HfRopeConfigReader, RopeScalingWinsOverRopeParameters) {
  json config = BaseConfig();
  config["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
  config["rope_parameters"] = {{"rope_type", "linear"}, {"factor", 8.0}, {"rope_theta", 5e5}};
  const RopeSpec spec = RopeSpecFromHfConfig(config, "cfg.json");
  EXPECT_EQ(spec.kind, RopeKind::kLinear);
  EXPECT_EQ(spec.factor, 2.0);
  EXPECT_EQ(spec.base, 10000.0);
  EXPECT_EQ(spec.head_dim, 64);
}

TEST(HfRopeConfigReader, BlockThetaAndTopLevelOriginalWin) {
  json config = BaseConfig();
  config["original_max_position_embeddings"] = 2048;
  config["rope_parameters"] = {{"rope_type", "yarn"},
                               {"factor", 4},
                               {"rope_theta", 123456.0},
                               {"original_max_position_embeddings", 1024}};
  const RopeSpec spec = RopeSpecFromHfConfig(config, "cfg.json");
  EXPECT_EQ(spec.base, 123456.0);
  EXPECT_EQ(spec.original_max_position_embeddings, 2048);
}

TEST(HfRopeConfigReader, DefaultsAndMissingOriginalIsM) {
  json config = BaseConfig();
  EXPECT_EQ(RopeSpecFromHfConfig(config, "cfg.json").kind, RopeKind::kDefault);
  config["rope_scaling"] = {{"rope_type", "llama3"},
                            {"factor", 8.0},
                            {"low_freq_factor", 1.0},
                            {"high_freq_factor", 4.0}};
  EXPECT_EQ(RopeSpecFromHfConfig(config, "cfg.json").original_max_position_embeddings, 8192);
  config.erase("rope_theta");
  config["rope_scaling"] = nullptr;
  EXPECT_EQ(RopeSpecFromHfConfig(config, "cfg.json").base, 10000.0);  // transformers' default
}

TEST(HfRopeConfigReader, Errors) {
  json config = BaseConfig();
  config["rope_scaling"] = {{"type", "linear"}, {"rope_type", "dynamic"}, {"factor", 2.0}};
  ExpectError(config, "disagree");
  config["rope_scaling"] = {{"rope_type", "linear"}};
  ExpectError(config, "rope_scaling.factor");
  config["rope_scaling"] = {{"rope_type", "proportional"}};
  ExpectError(config, "proportional");
  config["rope_scaling"] = {{"rope_type", "longrope"}, {"short_factor", json::array()}};
  ExpectError(config, "rope_scaling.long_factor");
  config["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", "big"}};
  ExpectError(config, "rope_scaling.factor");
  config["rope_scaling"] = {
      {"rope_type", "longrope"}, {"short_factor", {1.0, 1.0}}, {"long_factor", {1.0, 1.0}}};
  ExpectError(config, "long_factor");  // 2 entries, rotary_dim / 2 = 32
  json nested = {{"text_config", BaseConfig()}};
  nested["text_config"]["max_position_embeddings"] = 4096.5;
  ExpectError(nested, "text_config.max_position_embeddings");
  json no_heads = {{"hidden_size", 256}};
  ExpectError(no_heads, "num_attention_heads");
}

// The reader's warnings while reading `config`.
std::string WarningsReading(const json& config) {
  std::ostringstream log;
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_st>(log)));
  try {
    RopeSpecFromHfConfig(config, "cfg.json");
  } catch (...) {
    spdlog::set_default_logger(previous);
    throw;
  }
  spdlog::set_default_logger(previous);
  return log.str();
}

TEST(HfRopeConfigReader, QuestionableValuesWarnNamingTheField) {
  json config = BaseConfig();  // M = 8192
  config["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 0.5}};
  EXPECT_NE(WarningsReading(config).find("'factor' = 0.5 is < 1"), std::string::npos);
  config["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 1.0}};
  EXPECT_EQ(WarningsReading(config), "");
  config["rope_scaling"] = {
      {"rope_type", "yarn"}, {"factor", 4.0}, {"beta_fast", 1.0}, {"beta_slow", 32.0}};
  EXPECT_NE(WarningsReading(config).find("'beta_fast' = 1 is < 'beta_slow' = 32"),
            std::string::npos);
  config["rope_scaling"] = {
      {"rope_type", "yarn"}, {"factor", 4.0}, {"original_max_position_embeddings", 16384}};
  EXPECT_NE(WarningsReading(config).find("'original_max_position_embeddings' = 16384 is > "
                                         "'max_position_embeddings' = 8192"),
            std::string::npos);
  config["rope_scaling"]["original_max_position_embeddings"] = 8192;
  EXPECT_EQ(WarningsReading(config), "");  // L = M is fine
  config["original_max_position_embeddings"] = 2048;
  const std::string both = WarningsReading(config);
  EXPECT_NE(both.find("'rope_scaling.original_max_position_embeddings' = 8192 disagrees with "
                      "'original_max_position_embeddings' = 2048"),
            std::string::npos)
      << both;
  config["rope_scaling"]["original_max_position_embeddings"] = 2048;
  EXPECT_EQ(WarningsReading(config), "");
}

TEST(HfRopeConfigReader, UnusableValuesAreErrors) {
  json config = BaseConfig();
  for (const double factor : {0.0, -2.0}) {
    config["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", factor}};
    ExpectError(config, "'factor'");
  }
  config["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}, {"beta_slow", -1.0}};
  ExpectError(config, "'beta_slow'");
  std::vector<double> factors(32, 1.0);
  factors[7] = 0.0;
  config["rope_scaling"] = {
      {"rope_type", "longrope"}, {"short_factor", factors}, {"long_factor", factors}};
  ExpectError(config, "long_factor[7]");
  factors[7] = 1.0;
  factors.pop_back();
  config["rope_scaling"]["short_factor"] = factors;
  config["rope_scaling"]["long_factor"] = std::vector<double>(32, 1.0);
  ExpectError(config, "short_factor");  // 31 entries
  config["rope_scaling"]["short_factor"] = std::vector<double>(32, 1.0);
  config["rope_scaling"]["attention_factor"] = -1.0;
  ExpectError(config, "'attention_factor'");
}

TEST(HfRopeConfigReader, UnknownKeysAreIgnored) {
  json config = BaseConfig();
  config["rope_scaling"] = {
      {"rope_type", "linear"}, {"factor", 2.0}, {"llama_4_scaling_beta", 0.1}};
  EXPECT_EQ(RopeSpecFromHfConfig(config, "cfg.json").factor, 2.0);
}

}  // namespace
}  // namespace ropescale
