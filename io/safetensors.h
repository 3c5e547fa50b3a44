#pragma once
// safetensors files (huggingface/safetensors "Format"): our own strict reader and writer for
// the float subset F32/F16/BF16, single files and sharded folders with an index.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ropescale {

struct SafetensorsTensor {
  std::string name;
  std::string dtype;  // "F32", "F16" or "BF16"
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // raw little-endian data, numel * dtype size
};

struct SafetensorsFile {
  std::vector<SafetensorsTensor> tensors;       // in data-offset order
  std::map<std::string, std::string> metadata;  // "__metadata__"
};

inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

// Bytes per element of a supported dtype; throws for any other dtype (naming `where`).
int SafetensorsDtypeSize(const std::string& dtype, const std::string& where);

// Reads and checks one file: header size <= 100,000,000 and inside the file, valid JSON,
// known dtypes, integer shapes/offsets, offsets contiguous from 0 (no gap or overlap), sizes
// equal to shape * dtype size, file size == 8 + N + buffer. Errors name the file and tensor.
SafetensorsFile ReadSafetensors(const std::string& path);

// Writes one file: header padded with spaces to a multiple of 8, tensors contiguous in the
// given order, __metadata__ = metadata plus {"format":"pt"}.
void WriteSafetensors(const std::string& path, const std::vector<SafetensorsTensor>& tensors,
                      std::map<std::string, std::string> metadata = {});

// Exact conversions: F16/BF16/F32 -> float32 is exact; float32 -> F16/BF16 rounds to nearest
// even (exact for values that came from that dtype).
std::vector<float> ToFloat32(const SafetensorsTensor& tensor);
SafetensorsTensor FromFloat32(const std::string& name, const std::vector<int64_t>& shape,
                              const std::vector<float>& values, const std::string& dtype);
float HalfToFloat(uint16_t bits);
uint16_t FloatToHalf(float value);
float Bfloat16ToFloat(uint16_t bits);
uint16_t FloatToBfloat16(float value);

// A model folder: model.safetensors, or shards listed by model.safetensors.index.json (every
// indexed file must exist and the weight_map must equal the tensors found). Tensors are
// returned sorted by name.
std::vector<SafetensorsTensor> ReadSafetensorsFolder(const std::string& folder);

// Writes model.safetensors, or, when the tensors exceed shard_size bytes (> 0), shards
// model-0000K-of-0000N.safetensors of at most shard_size bytes each (a bigger tensor gets its
// own shard) plus model.safetensors.index.json. Returns the files written (names only).
std::vector<std::string> WriteSafetensorsFolder(const std::string& folder,
                                                const std::vector<SafetensorsTensor>& tensors,
                                                int64_t shard_size = 0);

}  // namespace ropescale
