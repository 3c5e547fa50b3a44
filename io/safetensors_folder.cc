// A model folder of safetensors: model.safetensors, or shards plus model.safetensors.index.json
// (huggingface_hub serialization/_base.py naming and index layout).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "io/safetensors.h"
#include "src/core/error.h"
#include "src/core/storage_cause.h"

namespace ropescale {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";

std::vector<SafetensorsTensor> ReadIndexed(const fs::path& folder) {
  const std::string index_path = (folder / kIndexFile).string();
  std::ifstream in(index_path);
  Check(in.good(), "{}: cannot open", index_path);
  json index;
  try {
    index = json::parse(in);
  } catch (const json::exception& e) {
    Fail("{}: not valid JSON: {}", index_path, e.what());
  }
  Check(index.is_object() && index.contains("weight_map") && index["weight_map"].is_object(),
        "{}: missing object 'weight_map'", index_path);
  std::map<std::string, std::string> weight_map;
  std::set<std::string> files;
  for (const auto& [name, file] : index["weight_map"].items()) {
    Check(file.is_string(), "{}: weight_map['{}'] is not a file name", index_path, name);
    const std::string file_name = file.get<std::string>();
    Check(file_name.find('/') == std::string::npos && file_name != ".." && !file_name.empty(),
          "{}: weight_map['{}'] = '{}' is not a plain file name", index_path, name, file_name);
    weight_map[name] = file_name;
    files.insert(file_name);
  }
  std::vector<SafetensorsTensor> tensors;
  std::set<std::string> found;
  for (const std::string& file_name : files) {
    const fs::path shard = folder / file_name;
    Check(fs::exists(shard), "{}: indexed file '{}' does not exist", index_path, file_name);
    for (SafetensorsTensor& tensor : ReadSafetensors(shard.string()).tensors) {
      const auto it = weight_map.find(tensor.name);
      Check(it != weight_map.end(), "{}: tensor '{}' in '{}' is not in the weight_map", index_path,
            tensor.name, file_name);
      Check(it->second == file_name, "{}: tensor '{}' is in '{}' but the weight_map says '{}'",
            index_path, tensor.name, file_name, it->second);
      Check(found.insert(tensor.name).second, "{}: tensor '{}' appears twice", index_path,
            tensor.name);
      tensors.push_back(std::move(tensor));
    }
  }
  for (const auto& [name, file_name] : weight_map) {
    Check(found.count(name) == 1, "{}: tensor '{}' listed for '{}' is not in that file", index_path,
          name, file_name);
  }
  return tensors;
}

}  // namespace

std::vector<SafetensorsTensor> ReadSafetensorsFolder(const std::string& folder) {
  const fs::path dir(folder);
  std::vector<SafetensorsTensor> tensors;
  if (fs::exists(dir / kIndexFile)) {
    tensors = ReadIndexed(dir);
  } else {
    Check(fs::exists(dir / kSingleFile), "{}: neither {} nor {} found", folder, kSingleFile,
          kIndexFile);
    tensors = ReadSafetensors((dir / kSingleFile).string()).tensors;
  }
  std::sort(tensors.begin(), tensors.end(),
            [](const SafetensorsTensor& a, const SafetensorsTensor& b) { return a.name < b.name; });
  return tensors;
}

std::vector<std::string> WriteSafetensorsFolder(const std::string& folder,
                                                const std::vector<SafetensorsTensor>& tensors,
                                                int64_t shard_size) {
  const fs::path dir(folder);
  std::error_code error;
  fs::create_directories(dir, error);
  Check(!error, "{}: cannot create the folder: {}", folder, error.message());
  // Stale weights from an earlier export would confuse readers that glob model*.safetensors.
  for (const auto& item : fs::directory_iterator(dir)) {
    const std::string name = item.path().filename().string();
    const bool is_weights =
        name.rfind("model", 0) == 0 && item.path().extension() == ".safetensors";
    if (is_weights || name == kIndexFile) fs::remove(item.path());
  }

  uint64_t total = 0;
  for (const SafetensorsTensor& tensor : tensors) total += tensor.bytes.size();
  if (shard_size <= 0 || total <= static_cast<uint64_t>(shard_size)) {
    WriteSafetensors((dir / kSingleFile).string(), tensors);
    return {kSingleFile};
  }

  std::vector<std::vector<const SafetensorsTensor*>> shards(1);
  uint64_t current = 0;
  for (const SafetensorsTensor& tensor : tensors) {
    if (!shards.back().empty() &&
        current + tensor.bytes.size() > static_cast<uint64_t>(shard_size)) {
      shards.emplace_back();
      current = 0;
    }
    shards.back().push_back(&tensor);
    current += tensor.bytes.size();
  }
  std::vector<std::string> files;
  json weight_map = json::object();
  for (size_t k = 0; k < shards.size(); ++k) {
    const std::string name =
        fmt::format("model-{:05d}-of-{:05d}.safetensors", k + 1, shards.size());
    std::vector<SafetensorsTensor> shard_tensors;
    for (const SafetensorsTensor* tensor : shards[k]) {
      shard_tensors.push_back(*tensor);
      weight_map[tensor->name] = name;
    }
    WriteSafetensors((dir / name).string(), shard_tensors);
    files.push_back(name);
  }
  const json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  const std::string index_path = (dir / kIndexFile).string();
  std::ofstream out(index_path, std::ios::trunc);
  out << index.dump(2) << "\n";
  out.close();
  Check(out.good(), "{}: write failed{}", index_path, StorageCause(errno));
  files.emplace_back(kIndexFile);
  return files;
}

}  // namespace ropescale
