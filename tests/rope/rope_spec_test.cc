// RopeKind names, RopeSpec::rotary_dim/scale and ValidateRopeSpec errors.
#include "src/rope/rope_spec.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "src/core/error.h"

namespace ropescale {
namespace {

RopeSpec LongRopeSpec() {
  RopeSpec spec;
  spec.kind = RopeKind::kLongRope;
  spec.head_dim = 8;
  spec.max_position_embeddings = 16384;
  spec.original_max_position_embeddings = 4096;
  spec.factor = 0.0;
  spec.long_factor = {1.0, 2.0, 3.0, 4.0};
  return spec;
}

// Expects ValidateRopeSpec to throw with `field` in the message.
void ExpectRejected(const RopeSpec& spec, const std::string& field) {
  try {
    ValidateRopeSpec(spec);
    ADD_FAILURE() << "spec was accepted; expected an error naming " << field;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  }
}

// Expects LongRopeSpec() after `change` to be rejected with `field` in the message.
void ExpectLongRopeRejected(const std::function<void(RopeSpec&)>& change,
                            const std::string& field) {
  RopeSpec spec = LongRopeSpec();
  change(spec);
  ExpectRejected(spec, field);
}

TEST(RopeKindName, EveryKindParsesBack) {
  for (RopeKind kind :
       {RopeKind::kDefault, RopeKind::kLinear, RopeKind::kNtk, RopeKind::kDynamicNtk,
        RopeKind::kYarn, RopeKind::kLlama3, RopeKind::kLongRope, RopeKind::kLongRope2}) {
    EXPECT_EQ(ParseRopeKind(RopeKindName(kind)), kind) << RopeKindName(kind);
  }
  EXPECT_EQ(RopeKindName(RopeKind::kDynamicNtk), "dynamic");
  EXPECT_EQ(RopeKindName(RopeKind::kLongRope2), "longrope2");
}

TEST(ParseRopeKind, SuIsLongRopeAndUnknownNamesTheField) {
  EXPECT_EQ(ParseRopeKind("su"), RopeKind::kLongRope);
  try {
    ParseRopeKind("proportional", "rope_scaling.type");
    FAIL() << "accepted an unsupported type";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rope_scaling.type"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("proportional"), std::string::npos);
  }
}

TEST(RopeSpec, RotaryDimTruncatesLikePythonInt) {
  RopeSpec spec;
  spec.head_dim = 128;
  EXPECT_EQ(spec.rotary_dim(), 128);
  spec.partial_rotary_factor = 0.75;  // Phi-4-mini
  EXPECT_EQ(spec.rotary_dim(), 96);
  spec.head_dim = 96;
  spec.partial_rotary_factor = 0.3;  // 28.8 -> 28
  EXPECT_EQ(spec.rotary_dim(), 28);
}

TEST(RopeSpec, ScaleIsFactorOrMOverL) {
  RopeSpec spec;
  EXPECT_EQ(spec.scale(), 1.0);
  spec.kind = RopeKind::kLinear;
  spec.factor = 4.0;
  EXPECT_EQ(spec.scale(), 4.0);
  RopeSpec longrope = LongRopeSpec();
  EXPECT_EQ(longrope.scale(), 4.0);  // 16384 / 4096
  longrope.factor = 2.5;
  EXPECT_EQ(longrope.scale(), 2.5);
}

TEST(ValidateRopeSpec, AcceptsAConsistentSpec) {
  EXPECT_NO_THROW(ValidateRopeSpec(LongRopeSpec()));
  RopeSpec spec;
  spec.head_dim = 64;
  EXPECT_NO_THROW(ValidateRopeSpec(spec));
}

TEST(ValidateRopeSpec, RejectsWithTheFieldName) {
  ExpectLongRopeRejected([](RopeSpec& spec) { spec.long_factor.pop_back(); }, "long_factor");
  ExpectLongRopeRejected([](RopeSpec& spec) { spec.short_factor.assign(5, 1.0); }, "short_factor");
  ExpectLongRopeRejected([](RopeSpec& spec) { spec.long_factor[2] = -1.0; }, "long_factor[2]");
  ExpectLongRopeRejected([](RopeSpec& spec) { spec.base = 1.0; }, "rope_theta");
  ExpectLongRopeRejected([](RopeSpec& spec) { spec.head_dim = 0; }, "head_dim");
  ExpectLongRopeRejected([](RopeSpec& spec) { spec.original_max_position_embeddings = 0; },
                         "original_max_position_embeddings");
  ExpectLongRopeRejected([](RopeSpec& spec) { spec.partial_rotary_factor = 1.5; },
                         "partial_rotary_factor");
  ExpectLongRopeRejected([](RopeSpec& spec) { spec.frequency_scale.assign(3, 1.0); },
                         "frequency_scale");
  ExpectLongRopeRejected(
      [](RopeSpec& spec) {
        spec.frequency_scale.assign(spec.rotary_dim() / 2, 1.0);
        spec.frequency_scale[1] = 0.0;
      },
      "frequency_scale[1]");

  RopeSpec linear;
  linear.kind = RopeKind::kLinear;
  linear.head_dim = 64;
  linear.factor = 0.0;
  ExpectRejected(linear, "factor");
  linear.factor = 2.0;
  linear.n_hat = 4;
  ExpectRejected(linear, "n_hat");
  linear.n_hat = 0;
  linear.attention_factor = 1.1;
  ExpectRejected(linear, "attention_factor");

  RopeSpec llama3;
  llama3.kind = RopeKind::kLlama3;
  llama3.head_dim = 64;
  llama3.factor = 8.0;
  llama3.original_max_position_embeddings = 8192;
  llama3.low_freq_factor = 4.0;
  llama3.high_freq_factor = 4.0;
  ExpectRejected(llama3, "high_freq_factor");

  RopeSpec dynamic;
  dynamic.kind = RopeKind::kDynamicNtk;
  dynamic.head_dim = 64;
  dynamic.factor = 2.0;
  ExpectRejected(dynamic, "max_position_embeddings");

  RopeSpec longrope2 = LongRopeSpec();
  longrope2.kind = RopeKind::kLongRope2;
  longrope2.critical_index = 5;  // d/2 = 4
  ExpectRejected(longrope2, "critical_index");
}

}  // namespace
}  // namespace ropescale
