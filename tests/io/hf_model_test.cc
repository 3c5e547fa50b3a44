// Hugging Face folders: bit-exact round trips through the HDF5 checkpoint for F32/F16/BF16,
// config.json fields kept, Phi-3 fused weights split, and clear errors.
#include "io/hf_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "io/model_loader.h"
#include "io/safetensors.h"
#include "src/rope/hf_rope_config.h"
#include "src/rope/rope_frequencies.h"
#include "tests/io/io_test_util.h"

namespace ropescale {
namespace {

using nlohmann::json;
using testing::ExpectErrorWith;
using testing::MakeHfCheckpoint;
using testing::TempDir;

std::map<std::string, SafetensorsTensor> TensorsByName(const std::string& folder) {
  std::map<std::string, SafetensorsTensor> byName;
  for (auto& tensor : ReadSafetensorsFolder(folder)) byName[tensor.name] = tensor;
  return byName;
}

json ReadJson(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

class HfRoundTripTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HfRoundTripTest, HfToHdf5ToHfIsBitExact) {
  const std::string dtype = GetParam();
  TempDir dir;
  const Checkpoint original = MakeHfCheckpoint(dtype);
  WriteHfModel(dir / "hf1", original);

  const Checkpoint from_hf = ReadHfModel(dir / "hf1");
  EXPECT_EQ(from_hf.config, original.config);
  EXPECT_EQ(from_hf.weights, original.weights);
  for (const auto& [name, tensor] : from_hf.weights) {
    const auto it = from_hf.weight_dtypes.find(name);
    EXPECT_EQ(it == from_hf.weight_dtypes.end() ? "F32" : it->second, dtype) << name;
  }

  WriteCheckpoint(dir / "model.h5", from_hf);
  const Checkpoint from_h5 = LoadModel(dir / "model.h5");
  WriteHfModel(dir / "hf2", from_h5, {.dtype = "keep", .shard_size = 3000});
  EXPECT_TRUE(std::filesystem::exists(dir / "hf2/model.safetensors.index.json"));

  const auto first = TensorsByName(dir / "hf1");
  const auto second = TensorsByName(dir / "hf2");
  ASSERT_EQ(first.size(), second.size());
  for (const auto& [name, tensor] : first) {
    ASSERT_EQ(second.count(name), 1u) << name;
    EXPECT_EQ(second.at(name).dtype, dtype) << name;
    EXPECT_EQ(second.at(name).shape, tensor.shape) << name;
    EXPECT_TRUE(second.at(name).bytes == tensor.bytes) << name << " differs";
  }
  EXPECT_EQ(ReadJson(dir / "hf1/config.json"), ReadJson(dir / "hf2/config.json"));
}

INSTANTIATE_TEST_SUITE_P(Dtypes, HfRoundTripTest, ::testing::Values("F32", "F16", "BF16"));

TEST(HfModelTest, ConfigJsonFollowsTheExportChecklist) {
  TempDir dir;
  Checkpoint checkpoint = MakeHfCheckpoint("BF16");
  checkpoint.config.rms_norm_eps = 1.0;  // must still be written as a float
  WriteHfModel(dir / "hf", checkpoint);
  const json config = ReadJson(dir / "hf/config.json");
  EXPECT_EQ(config["architectures"], json::array({"LlamaForCausalLM"}));
  EXPECT_EQ(config["model_type"], "llama");
  EXPECT_EQ(config["dtype"], "bfloat16");
  EXPECT_EQ(config["torch_dtype"], "bfloat16");
  EXPECT_TRUE(config["vocab_size"].is_number_integer());
  EXPECT_TRUE(config["max_position_embeddings"].is_number_integer());
  EXPECT_TRUE(config["rms_norm_eps"].is_number_float());
  EXPECT_TRUE(config["rope_theta"].is_number_float());
  EXPECT_EQ(config["rope_scaling"]["rope_type"], "longrope");
  EXPECT_EQ(config["original_max_position_embeddings"], 32);
  EXPECT_TRUE(TensorsByName(dir / "hf").count("lm_head.weight"));

  checkpoint.config.tie_word_embeddings = true;
  checkpoint.weights.erase("lm_head.weight");
  WriteHfModel(dir / "tied", checkpoint);
  EXPECT_FALSE(TensorsByName(dir / "tied").count("lm_head.weight"));
  EXPECT_EQ(ReadHfModel(dir / "tied/config.json").weights, checkpoint.weights);
}

TEST(HfModelTest, DtypeOptionConverts) {
  TempDir dir;
  const Checkpoint checkpoint = MakeHfCheckpoint("F32");
  WriteHfModel(dir / "hf", checkpoint, {.dtype = "f16"});
  for (const auto& [name, tensor] : TensorsByName(dir / "hf")) EXPECT_EQ(tensor.dtype, "F16");
  EXPECT_EQ(ReadJson(dir / "hf/config.json")["torch_dtype"], "float16");
}

// A config.json as a user would have it (old spelling, extra keys we ignore): the fields
// ropescale understands come back equal after HF -> HDF5 -> HF.
TEST(HfModelTest, UnderstoodConfigFieldsSurvive) {
  TempDir dir;
  const json given = json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 48,
    "hidden_size": 16, "intermediate_size": 40, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "hidden_act": "silu",
    "rms_norm_eps": 1e-05, "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 7,
    "max_position_embeddings": 256, "original_max_position_embeddings": 32,
    "rope_theta": 500000.0, "torch_dtype": "bfloat16", "pad_token_id": 0,
    "rope_scaling": {"rope_type": "longrope", "factor": 8.0,
                     "original_max_position_embeddings": 32,
                     "short_factor": [1.0, 1.0, 1.5, 2.0], "long_factor": [1.0, 2.5, 6.125, 8.0]}
  })");
  Checkpoint checkpoint;
  checkpoint.config = testing::TinyConfig();
  checkpoint.config.rope = RopeSpecFromHfConfig(given, "given");
  checkpoint.config.rms_norm_eps = 1e-5;
  checkpoint.weights = testing::RandomWeights(checkpoint.config, 3);
  CastWeights(checkpoint, "BF16");
  std::filesystem::create_directories(dir / "in");
  WriteSafetensorsFolder(dir / "in", [&] {
    std::vector<SafetensorsTensor> tensors;
    for (const auto& [name, t] : checkpoint.weights) {
      tensors.push_back(FromFloat32(name, t.shape, t.data, "BF16"));
    }
    return tensors;
  }());
  std::ofstream(dir / "in/config.json") << given.dump(2);

  WriteCheckpoint(dir / "m.h5", ReadHfModel(dir / "in"));
  WriteHfModel(dir / "out", LoadModel(dir / "m.h5"));
  const json back = ReadJson(dir / "out/config.json");
  for (const char* key :
       {"architectures", "model_type", "vocab_size", "hidden_size", "intermediate_size",
        "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "hidden_act",
        "rms_norm_eps", "tie_word_embeddings", "bos_token_id", "eos_token_id",
        "max_position_embeddings", "original_max_position_embeddings", "rope_theta", "torch_dtype",
        "rope_scaling"}) {
    EXPECT_EQ(back[key], given[key]) << key;
  }
}

TEST(HfModelTest, Phi3FusedProjectionsAreSplit) {
  TempDir dir;
  Checkpoint checkpoint = MakeHfCheckpoint("F16");
  const ModelConfig& c = checkpoint.config;
  std::vector<SafetensorsTensor> tensors;
  for (const auto& [name, tensor] : checkpoint.weights) {
    const bool fused_part =
        name.find("q_proj") != std::string::npos || name.find("k_proj") != std::string::npos ||
        name.find("v_proj") != std::string::npos || name.find("gate_proj") != std::string::npos ||
        name.find("up_proj") != std::string::npos;
    if (!fused_part) tensors.push_back(FromFloat32(name, tensor.shape, tensor.data, "F16"));
  }
  for (int layer = 0; layer < c.num_layers; ++layer) {
    const std::string p = fmt::format("model.layers.{}.", layer);
    std::vector<float> qkv, gate_up;
    for (const char* part : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"}) {
      const auto& data = checkpoint.weights.at(p + part + ".weight").data;
      qkv.insert(qkv.end(), data.begin(), data.end());
    }
    for (const char* part : {"mlp.gate_proj", "mlp.up_proj"}) {
      const auto& data = checkpoint.weights.at(p + part + ".weight").data;
      gate_up.insert(gate_up.end(), data.begin(), data.end());
    }
    const int64_t qkv_rows = int64_t{c.num_heads + 2 * c.num_kv_heads} * c.head_dim;
    tensors.push_back(
        FromFloat32(p + "self_attn.qkv_proj.weight", {qkv_rows, c.hidden_size}, qkv, "F16"));
    tensors.push_back(FromFloat32(p + "mlp.gate_up_proj.weight",
                                  {2 * int64_t{c.intermediate_size}, c.hidden_size}, gate_up,
                                  "F16"));
  }
  WriteSafetensorsFolder(dir / "phi3", tensors);
  json config = HfConfigJson(checkpoint, "float16");
  config["architectures"] = {"Phi3ForCausalLM"};
  config["model_type"] = "phi3";
  std::ofstream(dir / "phi3/config.json") << config.dump();

  const Checkpoint read = ReadHfModel(dir / "phi3");
  EXPECT_EQ(read.config, checkpoint.config);
  EXPECT_EQ(read.weights, checkpoint.weights);
  EXPECT_EQ(read.weight_dtypes.at("model.layers.1.self_attn.v_proj.weight"), "F16");
}

// Phi-3 export: fused tensors, the strict 4.x rope_scaling, and a lossless read back.
TEST(HfModelTest, Phi3ExportRoundTrips) {
  TempDir dir;
  Checkpoint checkpoint = MakeHfCheckpoint("BF16");
  checkpoint.config.hidden_size = 32;  // Phi-3 needs heads * head_dim == hidden
  checkpoint.config.rope.attention_factor.reset();
  checkpoint.weights = testing::RandomWeights(checkpoint.config, 8);
  CastWeights(checkpoint, "BF16");
  WriteHfModel(dir / "phi3", checkpoint, {.architecture = "phi3"});

  const json config = ReadJson(dir / "phi3/config.json");
  EXPECT_EQ(config["architectures"], json::array({"Phi3ForCausalLM"}));
  EXPECT_EQ(config["model_type"], "phi3");
  EXPECT_FALSE(config.contains("head_dim"));
  EXPECT_TRUE(config["sliding_window"].is_null());
  EXPECT_EQ(config["original_max_position_embeddings"], 32);
  EXPECT_EQ(config["max_position_embeddings"], 256);
  EXPECT_EQ(config["rope_scaling"].size(), 3u);
  EXPECT_EQ(config["rope_scaling"]["type"], "longrope");
  EXPECT_EQ(config["rope_scaling"]["long_factor"], json(checkpoint.config.rope.long_factor));

  const auto tensors = TensorsByName(dir / "phi3");
  EXPECT_FALSE(tensors.count("model.layers.0.self_attn.q_proj.weight"));
  const auto& qkv = tensors.at("model.layers.1.self_attn.qkv_proj.weight");
  EXPECT_EQ(qkv.shape, (std::vector<int64_t>{(4 + 2 * 2) * 8, 32}));
  const auto k = FromFloat32(
      "k", {16, 32}, checkpoint.weights.at("model.layers.1.self_attn.k_proj.weight").data, "BF16");
  EXPECT_TRUE(std::equal(k.bytes.begin(), k.bytes.end(), qkv.bytes.begin() + 32 * 32 * 2));

  const Checkpoint read = ReadHfModel(dir / "phi3");
  EXPECT_EQ(read.weights, checkpoint.weights);
  EXPECT_EQ(read.weight_dtypes, checkpoint.weight_dtypes);
  EXPECT_EQ(read.config.rope.long_factor, checkpoint.config.rope.long_factor);
  EXPECT_EQ(read.config.rope.short_factor, checkpoint.config.rope.short_factor);
  EXPECT_EQ(read.config.rope.original_max_position_embeddings, 32);
  EXPECT_EQ(read.config.rope.max_position_embeddings, 256);
  EXPECT_EQ(read.config.rope.scale(), checkpoint.config.rope.scale());
}

TEST(HfModelTest, Phi3ExportRefusesWhatPhi3CannotSay) {
  TempDir dir;
  Checkpoint checkpoint = MakeHfCheckpoint("F32");  // hidden 16 != 4 heads * 8
  ExpectErrorWith([&] { WriteHfModel(dir / "a", checkpoint, {.architecture = "phi3"}); },
                  {"phi3", "hidden_size"});
  checkpoint.config.hidden_size = 32;
  checkpoint.weights = testing::RandomWeights(checkpoint.config, 8);
  ExpectErrorWith([&] { WriteHfModel(dir / "b", checkpoint, {.architecture = "phi3"}); },
                  {"phi3", "attention_factor 1.25", "differs"});
}

// An explicit attention_factor equal to sqrt(1 + ln(M/L)/ln L), what Phi-3 readers derive, is
// exported (as nothing) and reads back with the same attention.
TEST(HfModelTest, Phi3ExportAcceptsTheDerivedAttentionFactor) {
  TempDir dir;
  Checkpoint checkpoint = MakeHfCheckpoint("F32");
  checkpoint.config.hidden_size = 32;
  checkpoint.weights = testing::RandomWeights(checkpoint.config, 8);
  const double derived = std::sqrt(1.0 + std::log(256.0 / 32.0) / std::log(32.0));
  checkpoint.config.rope.attention_factor = derived * (1.0 + 1e-5);
  ExpectErrorWith([&] { WriteHfModel(dir / "a", checkpoint, {.architecture = "phi3"}); },
                  {"phi3", "attention_factor", "differs"});
  checkpoint.config.rope.attention_factor = derived;
  WriteHfModel(dir / "b", checkpoint, {.architecture = "phi3"});
  EXPECT_FALSE(ReadJson(dir / "b/config.json")["rope_scaling"].contains("attention_factor"));
  const Checkpoint read = ReadHfModel(dir / "b");
  EXPECT_NEAR(ComputeRopeFrequencies(read.config.rope, 257).attention_scaling, derived, 1e-12);
}

// bos/eos: the model's own ids in every layout, null (not absent: transformers would fill in
// eos 32000) where it has none.
TEST(HfModelTest, ExportWritesTheModelsTokenIdsOrNull) {
  Checkpoint checkpoint = MakeHfCheckpoint("F32");
  checkpoint.config.hidden_size = 32;
  checkpoint.config.rope.attention_factor.reset();
  for (const std::string arch : {"llama", "phi3"}) {
    json config = HfConfigJson(checkpoint, "float32", arch);
    EXPECT_EQ(config["bos_token_id"], 1) << arch;
    EXPECT_EQ(config["eos_token_id"], 7) << arch;
  }
  checkpoint.config.bos_token_id = -1;
  checkpoint.config.eos_token_id = -1;
  for (const std::string arch : {"llama", "phi3"}) {
    json config = HfConfigJson(checkpoint, "float32", arch);
    ASSERT_TRUE(config.contains("bos_token_id")) << arch;
    ASSERT_TRUE(config.contains("eos_token_id")) << arch;
    EXPECT_TRUE(config["bos_token_id"].is_null()) << arch;
    EXPECT_TRUE(config["eos_token_id"].is_null()) << arch;
  }
}

TEST(HfModelTest, ErrorsNameTheFileAndTensor) {
  TempDir dir;
  const Checkpoint checkpoint = MakeHfCheckpoint("F32");
  WriteHfModel(dir / "hf", checkpoint);

  auto tensors = ReadSafetensorsFolder(dir / "hf");
  std::erase_if(tensors,
                [](const auto& t) { return t.name == "model.layers.1.mlp.up_proj.weight"; });
  WriteSafetensorsFolder(dir / "hf", tensors);
  ExpectErrorWith([&] { ReadHfModel(dir / "hf"); },
                  {dir / "hf", "model.layers.1.mlp.up_proj.weight", "missing"});

  tensors.push_back(FromFloat32("model.layers.1.mlp.up_proj.weight", {2, 2}, {1, 2, 3, 4}, "F32"));
  WriteSafetensorsFolder(dir / "hf", tensors);
  ExpectErrorWith([&] { ReadHfModel(dir / "hf"); },
                  {dir / "hf", "model.layers.1.mlp.up_proj.weight", "shape"});

  json config = ReadJson(dir / "hf/config.json");
  config.erase("hidden_size");
  std::ofstream(dir / "hf/config.json") << config.dump();
  ExpectErrorWith([&] { ReadHfModel(dir / "hf"); }, {"config.json", "hidden_size"});

  config["hidden_size"] = 16;
  config["architectures"] = {"GPT2LMHeadModel"};
  std::ofstream(dir / "hf/config.json") << config.dump();
  ExpectErrorWith([&] { ReadHfModel(dir / "hf"); }, {"config.json", "GPT2LMHeadModel"});

  ExpectErrorWith([&] { LoadModel(dir / "nothing-here"); }, {"nothing-here"});
}

TEST(LoadModelTest, AWeightHoldingNanOrInfIsRefusedByName) {
  TempDir dir;
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    Checkpoint checkpoint = MakeHfCheckpoint("F32");
    Tensor& tensor = checkpoint.weights.begin()->second;
    tensor.data[tensor.data.size() / 2] = bad;
    const std::string name = checkpoint.weights.begin()->first;
    WriteCheckpoint(dir / "bad.h5", checkpoint);
    WriteHfModel(dir / "bad-hf", checkpoint);
    for (const std::string path : {dir / "bad.h5", dir / "bad-hf"}) {
      ExpectErrorWith([&] { LoadModel(path); }, {path, name, "damaged"});
    }
    std::filesystem::remove_all(dir / "bad-hf");
  }
  EXPECT_NO_THROW(LoadModel(([&] {
    WriteCheckpoint(dir / "good.h5", MakeHfCheckpoint("F32"));
    return dir / "good.h5";
  })()));
}

}  // namespace
}  // namespace ropescale
