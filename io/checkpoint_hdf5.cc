// WriteCheckpoint / ReadCheckpoint: the HDF5 checkpoint (layout in io/README.md).

#include <bit>
#include <limits>
#include <set>

#include "io/checkpoint.h"
#include "io/hdf5_util.h"
#include "io/sha256.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"

namespace ropescale {
namespace {

constexpr const char* kFormat = "ropescale-checkpoint";
constexpr int64_t kFormatVersion = 1;
constexpr const char* kDtypeAttribute = "source_dtype";
// Hex SHA-256 of a float32 dataset's little-endian bytes, written on every weight and moment
// tensor and checked on reading when present (checkpoints of older versions have none).
constexpr const char* kChecksumAttribute = "sha256";

static_assert(std::endian::native == std::endian::little,
              "tensor checksums hash the in-memory floats as the little-endian file bytes");

std::string TensorSha256(const std::vector<float>& data) {
  return Sha256Hex(
      std::string_view(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float)));
}

void WriteChecksummed(const h5::Object& group, const std::string& name, const Tensor& tensor) {
  const h5::Object dataset = group.WriteFloat32(name, tensor.shape, tensor.data);
  dataset.SetString(kChecksumAttribute, TensorSha256(tensor.data));
}

// Reads a float32 tensor and, where the file records one, checks its checksum.
Tensor ReadChecksummed(const h5::Object& group, const std::string& name) {
  Tensor tensor;
  tensor.data = group.ReadFloat32(name, tensor.shape);
  const h5::Object dataset = group.OpenDataset(name);
  if (auto recorded = dataset.GetOptionalString(kChecksumAttribute)) {
    Check(*recorded == TensorSha256(tensor.data),
          "{}: the tensor's bytes do not match its recorded sha256 (damaged file)",
          dataset.Where());
  }
  return tensor;
}

int ToInt(const h5::Object& group, const char* name) {
  const int64_t value = group.GetInt(name);
  Check(value >= std::numeric_limits<int>::min() && value <= std::numeric_limits<int>::max(),
        "{}: attribute '{}' = {} does not fit a 32-bit int", group.Where(), name, value);
  return static_cast<int>(value);
}

void WriteConfig(const h5::Object& root, const ModelConfig& c) {
  const h5::Object group = root.CreateGroup("config");
  group.SetInt("vocab_size", c.vocab_size);
  group.SetInt("hidden_size", c.hidden_size);
  group.SetInt("intermediate_size", c.intermediate_size);
  group.SetInt("num_layers", c.num_layers);
  group.SetInt("num_heads", c.num_heads);
  group.SetInt("num_kv_heads", c.num_kv_heads);
  group.SetInt("head_dim", c.head_dim);
  group.SetDouble("rms_norm_eps", c.rms_norm_eps);
  group.SetInt("tie_word_embeddings", c.tie_word_embeddings ? 1 : 0);
  group.SetInt("bos_token_id", c.bos_token_id);
  group.SetInt("eos_token_id", c.eos_token_id);
}

ModelConfig ReadConfig(const h5::Object& root) {
  const h5::Object group = root.OpenGroup("config");
  ModelConfig c;
  c.vocab_size = ToInt(group, "vocab_size");
  c.hidden_size = ToInt(group, "hidden_size");
  c.intermediate_size = ToInt(group, "intermediate_size");
  c.num_layers = ToInt(group, "num_layers");
  c.num_heads = ToInt(group, "num_heads");
  c.num_kv_heads = ToInt(group, "num_kv_heads");
  c.head_dim = ToInt(group, "head_dim");
  c.rms_norm_eps = group.GetDouble("rms_norm_eps");
  c.tie_word_embeddings = group.GetInt("tie_word_embeddings") != 0;
  c.bos_token_id = ToInt(group, "bos_token_id");
  c.eos_token_id = ToInt(group, "eos_token_id");
  return c;
}

void WriteRope(const h5::Object& root, const RopeSpec& r) {
  const h5::Object group = root.CreateGroup("rope");
  group.SetString("kind", RopeKindName(r.kind));
  group.SetDouble("base", r.base);
  group.SetInt("head_dim", r.head_dim);
  group.SetDouble("partial_rotary_factor", r.partial_rotary_factor);
  group.SetInt("max_position_embeddings", r.max_position_embeddings);
  group.SetInt("original_max_position_embeddings", r.original_max_position_embeddings);
  group.SetDouble("factor", r.factor);
  if (r.attention_factor) group.SetDouble("attention_factor", *r.attention_factor);
  group.SetDouble("beta_fast", r.beta_fast);
  group.SetDouble("beta_slow", r.beta_slow);
  if (r.mscale) group.SetDouble("mscale", *r.mscale);
  if (r.mscale_all_dim) group.SetDouble("mscale_all_dim", *r.mscale_all_dim);
  group.SetInt("truncate", r.truncate ? 1 : 0);
  group.SetDouble("low_freq_factor", r.low_freq_factor);
  group.SetDouble("high_freq_factor", r.high_freq_factor);
  group.SetInt("n_hat", r.n_hat);
  group.SetInt("critical_index", r.critical_index);
  group.WriteFloat64("long_factor", r.long_factor);
  group.WriteFloat64("short_factor", r.short_factor);
  // Only when set, so checkpoints without it keep their layout.
  if (!r.frequency_scale.empty()) group.WriteFloat64("frequency_scale", r.frequency_scale);
}

std::optional<double> OptionalDouble(const h5::Object& group, const char* name) {
  if (!group.HasAttribute(name)) return std::nullopt;
  return group.GetDouble(name);
}

RopeSpec ReadRope(const h5::Object& root) {
  const h5::Object group = root.OpenGroup("rope");
  RopeSpec r;
  const std::string kind = group.GetString("kind");
  try {
    r.kind = ParseRopeKind(kind, "kind");
  } catch (const Error& e) {
    Fail("{}: {}", group.Where("kind"), e.what());
  }
  r.base = group.GetDouble("base");
  r.head_dim = ToInt(group, "head_dim");
  r.partial_rotary_factor = group.GetDouble("partial_rotary_factor");
  r.max_position_embeddings = ToInt(group, "max_position_embeddings");
  r.original_max_position_embeddings = ToInt(group, "original_max_position_embeddings");
  r.factor = group.GetDouble("factor");
  r.attention_factor = OptionalDouble(group, "attention_factor");
  r.beta_fast = group.GetDouble("beta_fast");
  r.beta_slow = group.GetDouble("beta_slow");
  r.mscale = OptionalDouble(group, "mscale");
  r.mscale_all_dim = OptionalDouble(group, "mscale_all_dim");
  r.truncate = group.GetInt("truncate") != 0;
  r.low_freq_factor = group.GetDouble("low_freq_factor");
  r.high_freq_factor = group.GetDouble("high_freq_factor");
  r.n_hat = ToInt(group, "n_hat");
  r.critical_index = ToInt(group, "critical_index");
  r.long_factor = group.ReadFloat64("long_factor");
  r.short_factor = group.ReadFloat64("short_factor");
  if (group.HasChild("frequency_scale")) r.frequency_scale = group.ReadFloat64("frequency_scale");
  return r;
}

// Checks one weight against the config's expected shapes (name known, shape equal).
void CheckWeight(const std::map<std::string, std::vector<int64_t>>& expected,
                 const std::string& where, const std::string& name,
                 const std::vector<int64_t>& shape) {
  const auto it = expected.find(name);
  Check(it != expected.end(), "{}/{}: not a parameter of this model config", where, name);
  Check(it->second == shape, "{}/{}: shape [{}] does not match the config's [{}]", where, name,
        fmt::join(shape, ","), fmt::join(it->second, ","));
}

std::map<std::string, std::vector<int64_t>> ExpectedShapes(const ModelConfig& config) {
  std::map<std::string, std::vector<int64_t>> expected;
  for (auto& [name, shape] : ParameterShapes(config)) expected[name] = shape;
  return expected;
}

void WriteWeights(const h5::Object& root, const Checkpoint& checkpoint) {
  const auto expected = ExpectedShapes(checkpoint.config);
  const h5::Object group = root.CreateGroup("weights");
  for (const auto& [name, tensor] : checkpoint.weights) {
    CheckWeight(expected, group.Where(), name, tensor.shape);
    WriteChecksummed(group, name, tensor);
    const h5::Object dataset = group.OpenDataset(name);
    const auto dtype = checkpoint.weight_dtypes.find(name);
    dataset.SetString(kDtypeAttribute,
                      dtype == checkpoint.weight_dtypes.end() ? "F32" : dtype->second);
  }
  for (const auto& [name, shape] : expected) {
    Check(checkpoint.weights.count(name) == 1, "{}: weight missing from the checkpoint",
          group.Where(name));
  }
}

void ReadWeights(const h5::Object& root, Checkpoint& checkpoint) {
  const auto expected = ExpectedShapes(checkpoint.config);
  const h5::Object group = root.OpenGroup("weights");
  for (const auto& [name, shape] : expected) {
    Tensor tensor = ReadChecksummed(group, name);
    CheckWeight(expected, group.Where(), name, tensor.shape);
    const h5::Object dataset = group.OpenDataset(name);
    if (auto dtype = dataset.GetOptionalString(kDtypeAttribute)) {
      Check(*dtype == "F32" || *dtype == "F16" || *dtype == "BF16",
            "{}: attribute '{}' = '{}' is not F32, F16 or BF16", dataset.Where(), kDtypeAttribute,
            *dtype);
      if (*dtype != "F32") checkpoint.weight_dtypes[name] = *dtype;
    }
    checkpoint.weights[name] = std::move(tensor);
  }
  for (const std::string& name : group.Children()) {
    Check(expected.count(name) == 1, "{}: unexpected dataset (not a parameter of the config)",
          group.Where(name));
  }
}

void WriteTensorGroup(const h5::Object& parent, const char* name, const ParameterSet& tensors) {
  const h5::Object group = parent.CreateGroup(name);
  for (const auto& [tensor_name, tensor] : tensors) {
    WriteChecksummed(group, tensor_name, tensor);
  }
}

ParameterSet ReadTensorGroup(const h5::Object& parent, const char* name) {
  const h5::Object group = parent.OpenGroup(name);
  ParameterSet tensors;
  for (const std::string& tensor_name : group.Children()) {
    tensors[tensor_name] = ReadChecksummed(group, tensor_name);
  }
  return tensors;
}

void WriteTraining(const h5::Object& root, const TrainingState& training) {
  const h5::Object group = root.CreateGroup("training");
  group.SetInt("step", training.optimizer.step);
  group.SetInt("data_cursor", training.data_cursor);
  group.SetInt("tokens_seen", training.tokens_seen);
  group.WriteUint64("rng_state", training.rng_state);
  WriteTensorGroup(group, "m", training.optimizer.m);
  WriteTensorGroup(group, "v", training.optimizer.v);
}

TrainingState ReadTraining(const h5::Object& root) {
  const h5::Object group = root.OpenGroup("training");
  TrainingState training;
  training.optimizer.step = group.GetInt("step");
  training.data_cursor = group.GetInt("data_cursor");
  training.tokens_seen = group.GetInt("tokens_seen");
  training.rng_state = group.ReadUint64("rng_state");
  training.optimizer.m = ReadTensorGroup(group, "m");
  training.optimizer.v = ReadTensorGroup(group, "v");
  return training;
}

void WriteProvenance(const h5::Object& root, const Provenance& p) {
  const h5::Object group = root.CreateGroup("provenance");
  group.SetString("command_line", p.command_line);
  group.SetString("version", p.version);
  group.SetString("git_hash", p.git_hash);
  group.SetString("time_utc", p.time_utc);
}

Provenance ReadProvenance(const h5::Object& root) {
  Provenance p;
  if (!root.HasChild("provenance")) return p;
  const h5::Object group = root.OpenGroup("provenance");
  p.command_line = group.GetOptionalString("command_line").value_or("");
  p.version = group.GetOptionalString("version").value_or("");
  p.git_hash = group.GetOptionalString("git_hash").value_or("");
  p.time_utc = group.GetOptionalString("time_utc").value_or("");
  return p;
}

void WriteTokenizerFile(const h5::Object& root, const TokenizerFile& tokenizer) {
  const h5::Object group = root.CreateGroup("tokenizer");
  group.SetString("file_name", tokenizer.file_name);
  group.SetString("sha256", Sha256Hex(tokenizer.bytes));
  const std::vector<int32_t> bytes(tokenizer.bytes.begin(), tokenizer.bytes.end());
  std::vector<int32_t> unsigned_bytes(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) unsigned_bytes[i] = bytes[i] & 0xff;
  group.WriteInt32As("file", unsigned_bytes, H5T_STD_U8LE, 6);
}

// The tokenizer file, its bytes checked against the recorded SHA-256 (a damaged file is refused).
TokenizerFile ReadTokenizerFile(const h5::Object& root) {
  const h5::Object group = root.OpenGroup("tokenizer");
  TokenizerFile tokenizer;
  tokenizer.file_name = group.GetString("file_name");
  const std::vector<int32_t> bytes = group.ReadInt32("file");
  tokenizer.bytes.reserve(bytes.size());
  for (int32_t byte : bytes) {
    Check(byte >= 0 && byte <= 255, "{}: a value {} is not a byte", group.Where("file"), byte);
    tokenizer.bytes.push_back(static_cast<char>(byte));
  }
  const std::string recorded = group.GetString("sha256");
  Check(Sha256Hex(tokenizer.bytes) == recorded,
        "{}: the tokenizer file's SHA-256 is not the recorded {} (damaged file)",
        group.Where("file"), recorded);
  return tokenizer;
}

void WriteAll(const std::string& path, const Checkpoint& checkpoint) {
  const h5::Object root = h5::CreateFile(path);
  root.SetString("format", kFormat);
  root.SetInt("format_version", kFormatVersion);
  WriteConfig(root, checkpoint.config);
  WriteRope(root, checkpoint.config.rope);
  WriteWeights(root, checkpoint);
  if (checkpoint.training) WriteTraining(root, *checkpoint.training);
  if (checkpoint.tokenizer) WriteTokenizerFile(root, *checkpoint.tokenizer);
  WriteProvenance(root, checkpoint.provenance);
  root.Flush();
}

}  // namespace

void WriteCheckpoint(const std::string& path, const Checkpoint& checkpoint) {
  try {
    ValidateModelConfig(checkpoint.config);
  } catch (const Error& e) {
    Fail("{}: refusing to write an invalid model config: {}", path, e.what());
  }
  WriteAtomically(path, [&](const std::string& temporary) { WriteAll(temporary, checkpoint); });
}

namespace {

// /config and /rope of an opened checkpoint, validated.
ModelConfig ReadValidConfig(const h5::Object& root, const std::string& path) {
  ModelConfig config = ReadConfig(root);
  config.rope = ReadRope(root);
  try {
    ValidateModelConfig(config);
  } catch (const Error& e) {
    Fail("{}: /config: {}", path, e.what());
  }
  return config;
}

}  // namespace

ModelConfig ReadCheckpointConfig(const std::string& path) {
  const h5::Object root = h5::OpenFileReadOnly(path);
  h5::CheckFormat(root, kFormat, kFormatVersion);
  return ReadValidConfig(root, path);
}

std::optional<TokenizerFile> ReadCheckpointTokenizerFile(const std::string& path) {
  const h5::Object root = h5::OpenFileReadOnly(path);
  h5::CheckFormat(root, kFormat, kFormatVersion);
  if (!root.HasChild("tokenizer")) return std::nullopt;
  return ReadTokenizerFile(root);
}

Checkpoint ReadCheckpoint(const std::string& path, bool with_training_state) {
  const h5::Object root = h5::OpenFileReadOnly(path);
  h5::CheckFormat(root, kFormat, kFormatVersion);

  Checkpoint checkpoint;
  checkpoint.config = ReadValidConfig(root, path);
  ReadWeights(root, checkpoint);
  if (with_training_state && root.HasChild("training")) checkpoint.training = ReadTraining(root);
  if (root.HasChild("tokenizer")) checkpoint.tokenizer = ReadTokenizerFile(root);
  checkpoint.provenance = ReadProvenance(root);
  return checkpoint;
}

}  // namespace ropescale
