// One safetensors file: strict reader and writer (format in huggingface/safetensors README).
#include "io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/storage_cause.h"

namespace ropescale {
namespace {

using nlohmann::json;

// Every dtype the safetensors format defines; only the first three are supported here.
const std::set<std::string>& KnownDtypes() {
  static const std::set<std::string> dtypes = {
      "F32",     "F16",         "BF16",        "BOOL", "U8",      "I8",     "I16",     "U16",
      "I32",     "U32",         "F64",         "I64",  "U64",     "C64",    "F8_E4M3", "F8_E5M2",
      "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F4",   "F6_E2M3", "F6_E3M2"};
  return dtypes;
}

uint64_t RequireUnsigned(const json& value, const std::string& where, const char* field) {
  Check(value.is_number_integer() && !value.is_number_float(), "{}: '{}' holds {}, not an integer",
        where, field, value.dump());
  Check(value.is_number_unsigned() || value.get<int64_t>() >= 0, "{}: '{}' holds {} (negative)",
        where, field, value.dump());
  return value.get<uint64_t>();
}

struct Entry {
  SafetensorsTensor tensor;
  uint64_t begin = 0;
  uint64_t end = 0;
};

Entry ParseEntry(const std::string& path, const std::string& name, const json& value) {
  const std::string where = fmt::format("{}: tensor '{}'", path, name);
  Check(value.is_object(), "{}: header entry is not an object", where);
  Check(value.contains("dtype") && value["dtype"].is_string(), "{}: missing string 'dtype'", where);
  Check(value.contains("shape") && value["shape"].is_array(), "{}: missing array 'shape'", where);
  Check(value.contains("data_offsets") && value["data_offsets"].is_array() &&
            value["data_offsets"].size() == 2,
        "{}: 'data_offsets' must be an array [begin, end]", where);
  Entry entry;
  entry.tensor.name = name;
  entry.tensor.dtype = value["dtype"].get<std::string>();
  const int element_size = SafetensorsDtypeSize(entry.tensor.dtype, where);
  uint64_t numel = 1;
  for (const json& dim : value["shape"]) {
    const uint64_t d = RequireUnsigned(dim, where, "shape");
    entry.tensor.shape.push_back(static_cast<int64_t>(d));
    Check(d == 0 || numel <= UINT64_MAX / d, "{}: shape overflows", where);
    numel *= d;
  }
  entry.begin = RequireUnsigned(value["data_offsets"][0], where, "data_offsets");
  entry.end = RequireUnsigned(value["data_offsets"][1], where, "data_offsets");
  Check(entry.begin <= entry.end, "{}: data_offsets [{}, {}] end before begin", where, entry.begin,
        entry.end);
  Check(entry.end - entry.begin == numel * element_size,
        "{}: data_offsets [{}, {}] hold {} bytes but shape [{}] of {} needs {}", where, entry.begin,
        entry.end, entry.end - entry.begin, fmt::join(entry.tensor.shape, ","), entry.tensor.dtype,
        numel * element_size);
  return entry;
}

}  // namespace

int SafetensorsDtypeSize(const std::string& dtype, const std::string& where) {
  if (dtype == "F32") return 4;
  if (dtype == "F16" || dtype == "BF16") return 2;
  Check(KnownDtypes().count(dtype) == 1, "{}: unknown dtype '{}'", where, dtype);
  Fail("{}: dtype {} is not supported (ropescale reads F32, F16 and BF16)", where, dtype);
}

SafetensorsFile ReadSafetensors(const std::string& path) {
  std::error_code error;
  const uint64_t file_size = std::filesystem::file_size(path, error);
  Check(!error, "{}: cannot open: {}", path, error.message());
  std::ifstream in(path, std::ios::binary);
  Check(in.good(), "{}: cannot open for reading", path);
  Check(file_size >= 8, "{}: {} bytes, too short for the 8-byte header length", path, file_size);
  unsigned char length_bytes[8];
  in.read(reinterpret_cast<char*>(length_bytes), 8);
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | length_bytes[i];
  Check(header_size <= kMaxSafetensorsHeader, "{}: header length {} exceeds the limit {}", path,
        header_size, kMaxSafetensorsHeader);
  Check(8 + header_size <= file_size,
        "{}: header length {} runs past the end of the file ({} bytes)", path, header_size,
        file_size);
  std::string header_text(header_size, '\0');
  in.read(header_text.data(), static_cast<std::streamsize>(header_size));
  Check(in.good(), "{}: cannot read the header", path);

  json header;
  try {
    header = json::parse(header_text);
  } catch (const json::exception& e) {
    Fail("{}: header is not valid JSON: {}", path, e.what());
  }
  Check(header.is_object(), "{}: header is not a JSON object", path);

  SafetensorsFile file;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      Check(value.is_object(), "{}: __metadata__ is not an object", path);
      for (const auto& [meta_key, meta_value] : value.items()) {
        Check(meta_value.is_string(), "{}: __metadata__ '{}' is not a string", path, meta_key);
        file.metadata[meta_key] = meta_value.get<std::string>();
      }
      continue;
    }
    entries.push_back(ParseEntry(path, key, value));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected_begin = 0;
  std::string previous = "(start of buffer)";
  for (const Entry& entry : entries) {
    Check(entry.begin <= expected_begin,
          "{}: tensor '{}' starts at {}, leaving a gap after '{}' (ends {})", path,
          entry.tensor.name, entry.begin, previous, expected_begin);
    Check(entry.begin >= expected_begin, "{}: tensor '{}' starts at {}, overlapping '{}' (ends {})",
          path, entry.tensor.name, entry.begin, previous, expected_begin);
    expected_begin = entry.end;
    previous = entry.tensor.name;
  }
  const uint64_t expected_size = 8 + header_size + expected_begin;
  Check(file_size >= expected_size,
        "{}: truncated: {} bytes, the header needs {} (last tensor '{}')", path, file_size,
        expected_size, previous);
  Check(file_size == expected_size, "{}: {} trailing bytes after the last tensor '{}'", path,
        file_size - expected_size, previous);
  for (Entry& entry : entries) {
    entry.tensor.bytes.resize(entry.end - entry.begin);
    in.read(reinterpret_cast<char*>(entry.tensor.bytes.data()),
            static_cast<std::streamsize>(entry.tensor.bytes.size()));
    Check(in.good() || entry.tensor.bytes.empty(), "{}: tensor '{}': cannot read its data", path,
          entry.tensor.name);
    file.tensors.push_back(std::move(entry.tensor));
  }
  return file;
}

void WriteSafetensors(const std::string& path, const std::vector<SafetensorsTensor>& tensors,
                      std::map<std::string, std::string> metadata) {
  metadata["format"] = "pt";
  json header = json::object();
  header["__metadata__"] = metadata;
  uint64_t offset = 0;
  std::set<std::string> names;
  for (const SafetensorsTensor& tensor : tensors) {
    const std::string where = fmt::format("{}: tensor '{}'", path, tensor.name);
    Check(names.insert(tensor.name).second, "{}: duplicate name", where);
    Check(tensor.name != "__metadata__", "{}: reserved name", where);
    const int element_size = SafetensorsDtypeSize(tensor.dtype, where);
    int64_t numel = 1;
    for (int64_t d : tensor.shape) numel *= d;
    Check(static_cast<uint64_t>(numel) * element_size == tensor.bytes.size(),
          "{}: {} bytes but shape [{}] of {} needs {}", where, tensor.bytes.size(),
          fmt::join(tensor.shape, ","), tensor.dtype, numel * element_size);
    header[tensor.name] = {{"dtype", tensor.dtype},
                           {"shape", tensor.shape},
                           {"data_offsets", {offset, offset + tensor.bytes.size()}}};
    offset += tensor.bytes.size();
  }
  std::string header_text = header.dump();
  header_text.append((8 - header_text.size() % 8) % 8, ' ');

  WriteAtomically(path, [&](const std::string& temporary) {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    Check(out.good(), "{}: cannot create: {}", temporary, std::strerror(errno));
    unsigned char length_bytes[8];
    uint64_t length = header_text.size();
    for (unsigned char& byte : length_bytes) {
      byte = static_cast<unsigned char>(length & 0xff);
      length >>= 8;
    }
    out.write(reinterpret_cast<const char*>(length_bytes), 8);
    out.write(header_text.data(), static_cast<std::streamsize>(header_text.size()));
    for (const SafetensorsTensor& tensor : tensors) {
      out.write(reinterpret_cast<const char*>(tensor.bytes.data()),
                static_cast<std::streamsize>(tensor.bytes.size()));
    }
    out.close();
    Check(out.good(), "{}: write failed{}", path, StorageCause(errno));
  });
}

std::vector<float> ToFloat32(const SafetensorsTensor& tensor) {
  const int element_size = SafetensorsDtypeSize(tensor.dtype, "tensor '" + tensor.name + "'");
  const size_t count = tensor.bytes.size() / element_size;
  std::vector<float> values(count);
  if (tensor.dtype == "F32") {
    std::memcpy(values.data(), tensor.bytes.data(), count * 4);
    return values;
  }
  const bool is_half = tensor.dtype == "F16";
  for (size_t i = 0; i < count; ++i) {
    const uint16_t bits =
        static_cast<uint16_t>(tensor.bytes[2 * i] | (tensor.bytes[2 * i + 1] << 8));
    values[i] = is_half ? HalfToFloat(bits) : Bfloat16ToFloat(bits);
  }
  return values;
}

SafetensorsTensor FromFloat32(const std::string& name, const std::vector<int64_t>& shape,
                              const std::vector<float>& values, const std::string& dtype) {
  const int element_size = SafetensorsDtypeSize(dtype, "tensor '" + name + "'");
  SafetensorsTensor tensor{name, dtype, shape, std::vector<uint8_t>(values.size() * element_size)};
  if (dtype == "F32") {
    std::memcpy(tensor.bytes.data(), values.data(), values.size() * 4);
    return tensor;
  }
  const bool is_half = dtype == "F16";
  for (size_t i = 0; i < values.size(); ++i) {
    const uint16_t bits = is_half ? FloatToHalf(values[i]) : FloatToBfloat16(values[i]);
    tensor.bytes[2 * i] = static_cast<uint8_t>(bits & 0xff);
    tensor.bytes[2 * i + 1] = static_cast<uint8_t>(bits >> 8);
  }
  return tensor;
}

}  // namespace ropescale
