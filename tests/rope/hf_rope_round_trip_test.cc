// read -> compute -> write -> read gives the same frequencies (and the same spec where the kind
// has a transformers spelling), for every fixture and for generated specs of every kind.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "src/core/error.h"
#include "src/rope/hf_rope_config.h"
#include "src/rope/rope_frequencies.h"
#include "tests/rope/fixture_path.h"

namespace ropescale {
namespace {

using nlohmann::json;

std::vector<int64_t> SeqLens(const RopeSpec& spec) {
  const int64_t l = spec.original_max_position_embeddings;
  const int64_t m = spec.max_position_embeddings;
  return {0, 1, l, l + 1, m, 2 * m + 3};
}

void ExpectSameFrequencies(const RopeSpec& a, const RopeSpec& b, const std::string& what) {
  for (int64_t seq_len : SeqLens(a)) {
    const RopeFrequencies fa = ComputeRopeFrequencies(a, seq_len);
    const RopeFrequencies fb = ComputeRopeFrequencies(b, seq_len);
    ASSERT_EQ(fa.inv_freq.size(), fb.inv_freq.size()) << what;
    for (size_t i = 0; i < fa.inv_freq.size(); ++i) {
      EXPECT_DOUBLE_EQ(fa.inv_freq[i], fb.inv_freq[i])
          << what << " seq_len " << seq_len << " i " << i;
    }
    EXPECT_DOUBLE_EQ(fa.attention_scaling, fb.attention_scaling) << what << " " << seq_len;
  }
}

RopeSpec RoundTrip(const RopeSpec& spec, json config) {
  WriteRopeToHfConfig(spec, config);
  // Through text, as a file would be.
  return RopeSpecFromHfConfig(json::parse(config.dump()), "written.json");
}

TEST(HfRopeRoundTrip, EveryReadableFixture) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::RopeFixtureDir())) {
    if (entry.path().extension() != ".json") continue;
    const std::string name = entry.path().filename().string();
    const json config = testing::ReadFixture(name);
    RopeSpec spec;
    try {
      spec = RopeSpecFromHfConfig(config, name);
    } catch (const Error&) {
      EXPECT_EQ(name, "gemma-3-4b-it.json") << "only gemma is expected to be rejected";
      continue;
    }
    const RopeSpec again = RoundTrip(spec, config);
    EXPECT_EQ(again, spec) << name;
    ExpectSameFrequencies(spec, again, name);
    ++checked;
  }
  EXPECT_EQ(checked, 13);
}

std::vector<double> Ramp(int count, double from, double to) {
  std::vector<double> out(count);
  for (int i = 0; i < count; ++i) out[i] = from + (to - from) * i / (count - 1);
  return out;
}

std::vector<RopeSpec> OneSpecPerKind() {
  RopeSpec base;
  base.head_dim = 64;
  base.base = 10000.0;
  base.max_position_embeddings = 32768;
  base.original_max_position_embeddings = 4096;
  std::vector<RopeSpec> specs;
  RopeSpec spec = base;
  specs.push_back(spec);  // default
  spec.kind = RopeKind::kLinear;
  spec.factor = 8.0;
  specs.push_back(spec);
  spec.kind = RopeKind::kDynamicNtk;
  specs.push_back(spec);
  spec.kind = RopeKind::kYarn;
  spec.beta_fast = 16.0;
  spec.beta_slow = 2.0;
  spec.mscale = 0.8;
  spec.mscale_all_dim = 0.5;
  spec.truncate = false;
  specs.push_back(spec);
  spec.mscale.reset();
  spec.mscale_all_dim.reset();
  spec.attention_factor = 1.3;
  spec.truncate = true;
  specs.push_back(spec);
  RopeSpec llama3 = base;
  llama3.kind = RopeKind::kLlama3;
  llama3.base = 500000.0;
  llama3.factor = 8.0;
  llama3.low_freq_factor = 1.0;
  llama3.high_freq_factor = 4.0;
  specs.push_back(llama3);
  RopeSpec longrope = base;
  longrope.kind = RopeKind::kLongRope;
  longrope.partial_rotary_factor = 0.75;  // 48 rotary dims, 24 factors
  longrope.factor = 0.0;
  longrope.long_factor = Ramp(24, 1.0, 9.5);
  longrope.short_factor = Ramp(24, 1.0, 1.25);
  specs.push_back(longrope);
  longrope.factor = 6.0;
  longrope.attention_factor = 1.1;
  longrope.short_factor.clear();  // all ones: written as ones, read back as ones
  specs.push_back(longrope);
  return specs;
}

TEST(HfRopeRoundTrip, GeneratedSpecOfEveryPortableKind) {
  for (const RopeSpec& spec : OneSpecPerKind()) {
    const std::string what(RopeKindName(spec.kind));
    const RopeSpec again = RoundTrip(spec, json::object());
    ExpectSameFrequencies(spec, again, what);
    if (spec.kind == RopeKind::kLongRope && spec.short_factor.empty()) {
      EXPECT_EQ(again.short_factor, std::vector<double>(24, 1.0));
      continue;
    }
    EXPECT_EQ(again, spec) << what;
  }
}

TEST(HfRopeRoundTrip, IntoATextConfigWrapper) {
  const json wrapper = {{"model_type", "mistral3"},
                        {"text_config", {{"hidden_size", 512}, {"num_attention_heads", 8}}}};
  for (const RopeSpec& spec : OneSpecPerKind()) {
    json config = wrapper;
    WriteRopeToHfConfig(spec, config);
    EXPECT_FALSE(config.contains("rope_theta"));
    EXPECT_TRUE(config["text_config"].contains("rope_theta"));
    ExpectSameFrequencies(spec, RopeSpecFromHfConfig(config, "w.json"), "text_config");
  }
}

TEST(HfRopeRoundTrip, StaticNtkIsWrittenAsDefaultWithAdjustedTheta) {
  RopeSpec spec;
  spec.kind = RopeKind::kNtk;
  spec.head_dim = 64;
  spec.factor = 4.0;
  spec.max_position_embeddings = 16384;
  json config = json::object();
  WriteRopeToHfConfig(spec, config);
  EXPECT_FALSE(config.contains("rope_scaling"));
  EXPECT_DOUBLE_EQ(config["rope_theta"].get<double>(), 10000.0 * std::pow(4.0, 64.0 / 62.0));
  const RopeSpec again = RopeSpecFromHfConfig(config, "ntk.json");
  EXPECT_EQ(again.kind, RopeKind::kDefault);
  ExpectSameFrequencies(spec, again, "ntk");
  EXPECT_THROW(RopeScalingBlock(spec), Error);
}

TEST(HfRopeRoundTrip, LongRope2IsWrittenAsLongRope) {
  RopeSpec spec = OneSpecPerKind()[6];
  spec.kind = RopeKind::kLongRope2;
  spec.critical_index = 10;
  const RopeSpec again = RoundTrip(spec, json::object());
  EXPECT_EQ(again.kind, RopeKind::kLongRope);
  ExpectSameFrequencies(spec, again, "longrope2");
}

TEST(HfRopeRoundTrip, NHatCannotBeWritten) {
  RopeSpec spec = OneSpecPerKind()[6];
  spec.n_hat = 4;
  json config = json::object();
  try {
    WriteRopeToHfConfig(spec, config);
    FAIL() << "n_hat > 0 was written";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("n_hat"), std::string::npos) << e.what();
  }
}

TEST(HfRopeRoundTrip, FrequencyScaleIsDroppedWithAWarning) {
  RopeSpec spec = OneSpecPerKind()[6];
  spec.attention_factor = 1.2;
  spec.frequency_scale.assign(spec.rotary_dim() / 2, 1.0);
  spec.frequency_scale.back() = 1.5;
  // Capture what the writer logs.
  std::ostringstream log;
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_st>(log)));
  json config = json::object();
  WriteRopeToHfConfig(spec, config);
  const json block = RopeScalingBlock(spec);
  spdlog::set_default_logger(previous);
  EXPECT_NE(log.str().find("frequency_scale"), std::string::npos) << log.str();
  EXPECT_FALSE(config["rope_scaling"].contains("frequency_scale"));
  EXPECT_FALSE(block.contains("frequency_scale"));
  EXPECT_EQ(block["attention_factor"], 1.2);  // the scalar part survives
  RopeSpec without = spec;
  without.frequency_scale.clear();
  EXPECT_EQ(RoundTrip(spec, json::object()), RoundTrip(without, json::object()));
  // All ones is no scale at all: nothing to warn about.
  log.str("");
  spec.frequency_scale.back() = 1.0;
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_st>(log)));
  RopeScalingBlock(spec);
  spdlog::set_default_logger(previous);
  EXPECT_EQ(log.str(), "");
}

TEST(HfRopeWriter, OldSpellingIntsAsIntsFloatsAsFloats) {
  json config = {{"hidden_size", 3072},
                 {"num_attention_heads", 32},
                 {"rope_parameters", {{"rope_type", "default"}, {"rope_theta", 1.0e6}}}};
  RopeSpec spec = OneSpecPerKind()[6];
  spec.head_dim = 96;
  spec.partial_rotary_factor = 1.0;
  spec.long_factor = Ramp(48, 1.0, 9.0);
  spec.short_factor = Ramp(48, 1.0, 2.0);
  WriteRopeToHfConfig(spec, config);
  EXPECT_FALSE(config.contains("rope_parameters"));
  EXPECT_FALSE(config.contains("head_dim"));  // 3072 / 32 already gives 96
  EXPECT_TRUE(config["rope_theta"].is_number_float());
  EXPECT_TRUE(config["max_position_embeddings"].is_number_integer());
  EXPECT_TRUE(config["original_max_position_embeddings"].is_number_integer());
  const json& block = config["rope_scaling"];
  EXPECT_EQ(block["rope_type"], "longrope");
  EXPECT_TRUE(block["original_max_position_embeddings"].is_number_integer());
  EXPECT_FALSE(block.contains("factor"));  // factor 0: readers use M / L
  EXPECT_TRUE(block["long_factor"][0].is_number_float());
  EXPECT_EQ(block["long_factor"].size(), 48u);
  EXPECT_EQ(config.dump().find("\"rope_theta\":10000.0"), config.dump().find("\"rope_theta\""));
  EXPECT_TRUE(RopeScalingBlock(RopeSpec{.head_dim = 64}).empty());
}

}  // namespace
}  // namespace ropescale
