// ReadHfModel / WriteHfModel: config.json fields per transformers' LlamaConfig / Phi3Config,
// weights by HF name (see /work/shared/notes/ecosystem.md sections 1, 2 and 6).
#include "io/hf_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "io/safetensors.h"
#include "src/core/atomic_file.h"
#include "src/core/atomic_folder.h"
#include "src/core/error.h"
#include "src/core/read_file.h"
#include "src/rope/hf_rope_config.h"
#include "src/rope/rope_frequencies.h"

namespace ropescale {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Typed fields of config.json with errors naming the file and the key.
struct ConfigFields {
  const json& config;
  std::string file;

  bool Has(const char* key) const { return config.contains(key) && !config[key].is_null(); }
  int Int(const char* key) const {
    Check(Has(key), "{}: field '{}' is missing", file, key);
    return IntOf(config[key], key);
  }
  int IntOr(const char* key, int fallback) const { return Has(key) ? Int(key) : fallback; }
  int IntOf(const json& value, const char* key) const {
    Check(value.is_number_integer() ||
              (value.is_number_float() && value.get<double>() == std::floor(value.get<double>())),
          "{}: field '{}' = {} is not an integer", file, key, value.dump());
    const double number = value.get<double>();
    Check(number >= std::numeric_limits<int>::min() && number <= std::numeric_limits<int>::max(),
          "{}: field '{}' = {} is out of range", file, key, value.dump());
    return static_cast<int>(number);
  }
  double Double(const char* key, double fallback) const {
    if (!Has(key)) return fallback;
    Check(config[key].is_number(), "{}: field '{}' = {} is not a number", file, key,
          config[key].dump());
    return config[key].get<double>();
  }
  bool Bool(const char* key, bool fallback) const {
    if (!Has(key)) return fallback;
    Check(config[key].is_boolean(), "{}: field '{}' = {} is not true/false", file, key,
          config[key].dump());
    return config[key].get<bool>();
  }
  std::string String(const char* key, const std::string& fallback) const {
    if (!Has(key)) return fallback;
    Check(config[key].is_string(), "{}: field '{}' = {} is not a string", file, key,
          config[key].dump());
    return config[key].get<std::string>();
  }
  // A token id: an int, the first of a list (eos may be a list), or -1 when absent/null.
  int TokenId(const char* key) const {
    if (!Has(key)) return -1;
    const json& value = config[key];
    if (value.is_array()) return value.empty() ? -1 : IntOf(value[0], key);
    return IntOf(value, key);
  }
};

enum class Family { kLlama, kPhi3 };

Family DetectFamily(const ConfigFields& fields) {
  std::string architecture;
  if (fields.Has("architectures")) {
    const json& list = fields.config["architectures"];
    Check(list.is_array() && !list.empty() && list[0].is_string(),
          "{}: field 'architectures' must be a non-empty list of names", fields.file);
    architecture = list[0].get<std::string>();
  }
  const std::string model_type = fields.String("model_type", "");
  if (architecture == "LlamaForCausalLM" || (architecture.empty() && model_type == "llama")) {
    return Family::kLlama;
  }
  if (architecture == "Phi3ForCausalLM" || (architecture.empty() && model_type == "phi3")) {
    return Family::kPhi3;
  }
  Fail(
      "{}: field 'architectures' = '{}' (model_type '{}') is not supported (LlamaForCausalLM or "
      "Phi3ForCausalLM)",
      fields.file, architecture, model_type);
}

ModelConfig ReadModelConfig(const json& config, const std::string& file, Family family) {
  const ConfigFields fields{config, file};
  const std::string activation = fields.String("hidden_act", "silu");
  Check(activation == "silu", "{}: field 'hidden_act' = '{}' is not supported (silu only)", file,
        activation);
  Check(!fields.Bool("attention_bias", false), "{}: field 'attention_bias' = true is not supported",
        file);
  Check(!fields.Bool("mlp_bias", false), "{}: field 'mlp_bias' = true is not supported", file);
  ModelConfig c;
  c.vocab_size = fields.Int("vocab_size");
  c.hidden_size = fields.Int("hidden_size");
  c.intermediate_size = fields.Int("intermediate_size");
  c.num_layers = fields.Int("num_hidden_layers");
  c.num_heads = fields.Int("num_attention_heads");
  c.num_kv_heads = fields.IntOr("num_key_value_heads", c.num_heads);
  Check(c.num_heads > 0, "{}: field 'num_attention_heads' must be positive", file);
  c.head_dim = fields.IntOr("head_dim", c.hidden_size / c.num_heads);
  c.rms_norm_eps = fields.Double("rms_norm_eps", family == Family::kPhi3 ? 1e-5 : 1e-6);
  c.tie_word_embeddings = fields.Bool("tie_word_embeddings", false);
  c.bos_token_id = fields.TokenId("bos_token_id");
  c.eos_token_id = fields.TokenId("eos_token_id");
  c.rope = RopeSpecFromHfConfig(config, file);
  try {
    ValidateModelConfig(c);
  } catch (const Error& e) {
    Fail("{}: {}", file, e.what());
  }
  return c;
}

// Rows [first, first + count) of a 2-D tensor, bytes copied as they are.
SafetensorsTensor SliceRows(const SafetensorsTensor& tensor, const std::string& name, int64_t first,
                            int64_t count) {
  const int64_t columns = tensor.shape.size() == 2 ? tensor.shape[1] : 0;
  const int64_t row_bytes = columns * SafetensorsDtypeSize(tensor.dtype, tensor.name);
  SafetensorsTensor slice{name, tensor.dtype, {count, columns}, {}};
  slice.bytes.assign(tensor.bytes.begin() + first * row_bytes,
                     tensor.bytes.begin() + (first + count) * row_bytes);
  return slice;
}

// Phi-3's fused projections -> LLaMA's separate ones (q, k, v rows; gate, up rows).
std::vector<SafetensorsTensor> SplitPhi3(std::vector<SafetensorsTensor> tensors,
                                         const ModelConfig& c, const std::string& folder) {
  std::vector<SafetensorsTensor> split;
  const auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (SafetensorsTensor& tensor : tensors) {
    const auto check_rows = [&](int64_t rows) {
      Check(tensor.shape.size() == 2 && tensor.shape[0] == rows && tensor.shape[1] == c.hidden_size,
            "{}: tensor '{}' has shape [{}], expected [{},{}]", folder, tensor.name,
            fmt::join(tensor.shape, ","), rows, c.hidden_size);
    };
    if (ends_with(tensor.name, ".self_attn.qkv_proj.weight")) {
      const std::string prefix =
          tensor.name.substr(0, tensor.name.size() - 15);  // "qkv_proj.weight"
      const int64_t q = int64_t{c.num_heads} * c.head_dim;
      const int64_t kv = int64_t{c.num_kv_heads} * c.head_dim;
      check_rows(q + 2 * kv);
      split.push_back(SliceRows(tensor, prefix + "q_proj.weight", 0, q));
      split.push_back(SliceRows(tensor, prefix + "k_proj.weight", q, kv));
      split.push_back(SliceRows(tensor, prefix + "v_proj.weight", q + kv, kv));
    } else if (ends_with(tensor.name, ".mlp.gate_up_proj.weight")) {
      const std::string prefix = tensor.name.substr(0, tensor.name.size() - 19);
      check_rows(2 * int64_t{c.intermediate_size});
      split.push_back(SliceRows(tensor, prefix + "gate_proj.weight", 0, c.intermediate_size));
      split.push_back(
          SliceRows(tensor, prefix + "up_proj.weight", c.intermediate_size, c.intermediate_size));
    } else {
      split.push_back(std::move(tensor));
    }
  }
  return split;
}

std::string TorchDtype(const std::string& dtype) {
  if (dtype == "F16") return "float16";
  if (dtype == "BF16") return "bfloat16";
  return "float32";
}

// Turns the LLaMA config into what Phi3Config (4.x strict, 5.x) accepts (ecosystem.md 6.1).
void ToPhi3Config(const ModelConfig& c, json& config) {
  Check(int64_t{c.num_heads} * c.head_dim == c.hidden_size,
        "phi3 export: needs head_dim * num_heads == hidden_size ({} * {} != {})", c.head_dim,
        c.num_heads, c.hidden_size);
  const RopeSpec& rope = c.rope;
  const bool longrope = rope.kind == RopeKind::kLongRope || rope.kind == RopeKind::kLongRope2;
  Check(longrope || rope.kind == RopeKind::kDefault,
        "phi3 export: rope kind '{}' has no Phi-3 spelling (default or longrope only)",
        RopeKindName(rope.kind));
  config["architectures"] = {"Phi3ForCausalLM"};
  config["model_type"] = "phi3";
  for (const char* key : {"head_dim", "attention_bias", "mlp_bias"}) config.erase(key);
  config["sliding_window"] = nullptr;
  config["resid_pdrop"] = 0.0;
  config["embd_pdrop"] = 0.0;
  // transformers' Phi3 default pad id (32000) must not reach nn.Embedding(padding_idx).
  config["pad_token_id"] = c.eos_token_id >= 0 ? c.eos_token_id : 0;
  if (!longrope) return;
  const double implied =
      static_cast<double>(rope.max_position_embeddings) / rope.original_max_position_embeddings;
  Check(rope.factor == 0.0 || std::abs(rope.factor - implied) <= 1e-9 * implied,
        "phi3 export: rope factor {} differs from max_position_embeddings / "
        "original_max_position_embeddings = {}, which Phi-3 readers use",
        rope.factor, implied);
  if (rope.attention_factor) {
    // Phi-3 readers derive it from M / L; an equal explicit value says nothing more.
    RopeSpec derived_spec = rope;
    derived_spec.attention_factor.reset();
    derived_spec.factor = 0.0;  // M / L, as Phi-3 readers take it
    const double derived = ComputeRopeFrequencies(derived_spec, 0).attention_scaling;
    Check(std::abs(*rope.attention_factor - derived) <= 1e-6 * derived,
          "phi3 export: attention_factor {} differs from {}, the value Phi-3 readers derive from "
          "max_position_embeddings / original_max_position_embeddings, and Phi-3 cannot store it",
          *rope.attention_factor, derived);
  }
  const json& block = config["rope_scaling"];
  config["rope_scaling"] = {{"type", "longrope"},
                            {"short_factor", block["short_factor"]},
                            {"long_factor", block["long_factor"]}};
}

// Phi-3's fused tensors from LLaMA's separate ones (byte concatenation of rows).
std::vector<SafetensorsTensor> FusePhi3(std::vector<SafetensorsTensor> tensors,
                                        const ModelConfig& c) {
  std::map<std::string, SafetensorsTensor> byName;
  for (SafetensorsTensor& t : tensors) byName[t.name] = std::move(t);
  const auto fuse = [&](const std::string& name, const std::vector<std::string>& parts) {
    SafetensorsTensor fused{name, byName.at(parts[0]).dtype, {0, c.hidden_size}, {}};
    for (const std::string& part : parts) {
      SafetensorsTensor& piece = byName.at(part);
      Check(piece.dtype == fused.dtype,
            "phi3 export: '{}' is {} but '{}' is {}; pass --dtype to store them alike", part,
            piece.dtype, parts[0], fused.dtype);
      fused.shape[0] += piece.shape[0];
      fused.bytes.insert(fused.bytes.end(), piece.bytes.begin(), piece.bytes.end());
      byName.erase(part);
    }
    byName[name] = std::move(fused);
  };
  for (int layer = 0; layer < c.num_layers; ++layer) {
    const std::string p = fmt::format("model.layers.{}.", layer);
    fuse(p + "self_attn.qkv_proj.weight",
         {p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight",
          p + "self_attn.v_proj.weight"});
    fuse(p + "mlp.gate_up_proj.weight", {p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"});
  }
  std::vector<SafetensorsTensor> fused;
  fused.reserve(byName.size());
  for (auto& [name, tensor] : byName) fused.push_back(std::move(tensor));
  return fused;
}

}  // namespace

std::string SafetensorsDtypeFromName(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == "f32" || lower == "float32" || lower == "fp32") return "F32";
  if (lower == "f16" || lower == "float16" || lower == "fp16") return "F16";
  if (lower == "bf16" || lower == "bfloat16") return "BF16";
  Fail("dtype '{}' is not one of f32, f16, bf16", name);
}

void CastWeights(Checkpoint& checkpoint, const std::string& dtype) {
  for (auto& [name, tensor] : checkpoint.weights) {
    tensor.data = ToFloat32(FromFloat32(name, tensor.shape, tensor.data, dtype));
    if (dtype == "F32") {
      checkpoint.weight_dtypes.erase(name);
    } else {
      checkpoint.weight_dtypes[name] = dtype;
    }
  }
}

namespace {

// config.json of a HF folder (given as the folder or the file): its folder, family and config.
struct HfConfig {
  fs::path folder;
  Family family = Family::kLlama;
  ModelConfig config;
};

HfConfig ReadHfConfig(const std::string& path) {
  const fs::path given(path);
  HfConfig hf;
  hf.folder = fs::is_directory(given) ? given : given.parent_path();
  const std::string config_path = (hf.folder / "config.json").string();
  std::ifstream in(config_path);
  Check(in.good(), "{}: cannot open (a Hugging Face model folder needs config.json)", config_path);
  json config;
  try {
    config = json::parse(in);
  } catch (const json::exception& e) {
    Fail("{}: not valid JSON: {}", config_path, e.what());
  }
  Check(config.is_object(), "{}: not a JSON object", config_path);
  hf.family = DetectFamily(ConfigFields{config, config_path});
  hf.config = ReadModelConfig(config, config_path, hf.family);
  return hf;
}

}  // namespace

ModelConfig ReadHfModelConfig(const std::string& path) { return ReadHfConfig(path).config; }

std::optional<TokenizerFile> ReadHfTokenizerFile(const std::string& path) {
  const fs::path given(path);
  const fs::path folder = fs::is_directory(given) ? given : given.parent_path();
  for (const char* name : {"tokenizer.json", "tokenizer.model"}) {
    const fs::path file = folder / name;
    if (fs::is_regular_file(file)) return TokenizerFile{name, ReadFileBytes(file.string())};
  }
  return std::nullopt;
}

Checkpoint ReadHfModel(const std::string& path) {
  HfConfig hf = ReadHfConfig(path);
  const fs::path& folder = hf.folder;
  const Family family = hf.family;

  Checkpoint checkpoint;
  checkpoint.config = std::move(hf.config);
  std::vector<SafetensorsTensor> tensors = ReadSafetensorsFolder(folder.string());
  if (family == Family::kPhi3) tensors = SplitPhi3(std::move(tensors), checkpoint.config, folder);

  std::map<std::string, std::vector<int64_t>> expected;
  for (auto& [name, shape] : ParameterShapes(checkpoint.config)) expected[name] = shape;
  for (SafetensorsTensor& tensor : tensors) {
    const bool stale_buffer = tensor.name.find("rotary_emb.inv_freq") != std::string::npos;
    const bool tied_head = tensor.name == "lm_head.weight" && checkpoint.config.tie_word_embeddings;
    if (stale_buffer || tied_head) continue;  // transformers ignores both as well
    const auto it = expected.find(tensor.name);
    Check(it != expected.end(), "{}: tensor '{}' is not a parameter of this {} model",
          folder.string(), tensor.name, family == Family::kPhi3 ? "phi3" : "llama");
    Check(it->second == tensor.shape, "{}: tensor '{}' has shape [{}], config.json implies [{}]",
          folder.string(), tensor.name, fmt::join(tensor.shape, ","), fmt::join(it->second, ","));
    Tensor value;
    value.shape = tensor.shape;
    value.data = ToFloat32(tensor);
    checkpoint.weights[tensor.name] = std::move(value);
    if (tensor.dtype != "F32") checkpoint.weight_dtypes[tensor.name] = tensor.dtype;
    std::vector<uint8_t>().swap(tensor.bytes);  // the float copy is all we keep
  }
  for (const auto& [name, shape] : expected) {
    Check(checkpoint.weights.count(name) == 1, "{}: tensor '{}' is missing", folder.string(), name);
  }
  checkpoint.tokenizer = ReadHfTokenizerFile(folder.string());
  checkpoint.provenance = CurrentProvenance();
  return checkpoint;
}

json HfConfigJson(const Checkpoint& checkpoint, const std::string& torch_dtype,
                  const std::string& architecture) {
  Check(architecture == "llama" || architecture == "phi3",
        "HF export: architecture '{}' is not llama or phi3", architecture);
  const ModelConfig& c = checkpoint.config;
  json config = json::object();
  config["architectures"] = {"LlamaForCausalLM"};
  config["model_type"] = "llama";
  config["vocab_size"] = c.vocab_size;
  config["hidden_size"] = c.hidden_size;
  config["intermediate_size"] = c.intermediate_size;
  config["num_hidden_layers"] = c.num_layers;
  config["num_attention_heads"] = c.num_heads;
  config["num_key_value_heads"] = c.num_kv_heads;
  config["head_dim"] = c.head_dim;
  config["hidden_act"] = "silu";
  config["rms_norm_eps"] = c.rms_norm_eps;
  config["initializer_range"] = 0.02;
  config["tie_word_embeddings"] = c.tie_word_embeddings;
  config["attention_bias"] = false;
  config["attention_dropout"] = 0.0;
  config["mlp_bias"] = false;
  config["use_cache"] = true;
  // The model's own ids, null where it has none: absent, transformers fills in its defaults.
  config["bos_token_id"] = c.bos_token_id >= 0 ? json(c.bos_token_id) : json(nullptr);
  config["eos_token_id"] = c.eos_token_id >= 0 ? json(c.eos_token_id) : json(nullptr);
  config["dtype"] = torch_dtype;
  config["torch_dtype"] = torch_dtype;
  WriteRopeToHfConfig(c.rope, config);
  if (architecture == "phi3") ToPhi3Config(c, config);
  return config;
}

void WriteHfModel(const std::string& folder, const Checkpoint& checkpoint,
                  const HfWriteOptions& options) {
  const std::string forced =
      options.dtype == "keep" ? std::string() : SafetensorsDtypeFromName(options.dtype);
  std::vector<SafetensorsTensor> tensors;
  std::set<std::string> dtypes;
  for (const auto& [name, shape] : ParameterShapes(checkpoint.config)) {
    const auto weight = checkpoint.weights.find(name);
    Check(weight != checkpoint.weights.end(), "{}: weight '{}' is missing from the checkpoint",
          folder, name);
    Check(weight->second.shape == shape, "{}: weight '{}' has shape [{}], the config implies [{}]",
          folder, name, fmt::join(weight->second.shape, ","), fmt::join(shape, ","));
    std::string dtype = forced;
    if (dtype.empty()) {
      const auto kept = checkpoint.weight_dtypes.find(name);
      dtype = kept == checkpoint.weight_dtypes.end() ? "F32" : kept->second;
    }
    dtypes.insert(dtype);
    tensors.push_back(FromFloat32(name, shape, weight->second.data, dtype));
  }
  // The config names one dtype: the weights' own, or float32 when they are mixed.
  std::string config_dtype = "F32";
  if (dtypes.size() == 1) config_dtype = *dtypes.begin();
  const json config = HfConfigJson(checkpoint, TorchDtype(config_dtype), options.architecture);
  if (options.architecture == "phi3") tensors = FusePhi3(std::move(tensors), checkpoint.config);
  // Written beside the folder and swapped in whole: a full disk or a kill never leaves an old
  // folder without its weights. The user's other files (README.md, generation_config.json...)
  // are carried over; old weights, index, config and tokenizer files are not (stale for this
  // model).
  const auto keep = [](const std::string& name) {
    const bool weights =
        name.rfind("model", 0) == 0 && fs::path(name).extension() == ".safetensors";
    return !weights && name != "model.safetensors.index.json" && name != "config.json" &&
           name != "tokenizer.json" && name != "tokenizer.model";
  };
  WriteFolderAtomically(
      folder,
      [&](const std::string& staging) {
        WriteSafetensorsFolder(staging, tensors, options.shard_size);
        if (checkpoint.tokenizer) {
          WriteTextAtomically((fs::path(staging) / checkpoint.tokenizer->file_name).string(),
                              checkpoint.tokenizer->bytes);
        }
        WriteTextAtomically((fs::path(staging) / "config.json").string(), config.dump(2) + "\n");
      },
      keep);
}

}  // namespace ropescale
