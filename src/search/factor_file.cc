#include "src/search/factor_file.h"

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "src/core/error.h"

namespace ropescale::search {
namespace {

std::vector<double> FromJsonList(const nlohmann::json& list, const std::string& where) {
  Check(list.is_array() && !list.empty(), "{}: expected a non-empty list of numbers", where);
  std::vector<double> factors;
  for (size_t i = 0; i < list.size(); ++i) {
    Check(list[i].is_number(), "{}[{}]: not a number", where, i);
    factors.push_back(list[i].get<double>());
  }
  return factors;
}

// The attention fields of a rope_scaling block (absent ones stay unset).
void ReadAttentionFields(const nlohmann::json& block, const std::string& where, ScalingFile& file) {
  if (block.contains("attention_factor") && !block["attention_factor"].is_null()) {
    Check(block["attention_factor"].is_number(), "{}attention_factor: not a number", where);
    file.attention_factor = block["attention_factor"].get<double>();
  }
  if (block.contains("frequency_scale")) {
    file.frequency_scale = FromJsonList(block["frequency_scale"], where + "frequency_scale");
  }
}

}  // namespace

ScalingFile ReadScalingFile(const std::string& path) {
  ScalingFile file;
  file.long_factor = ReadFactorFile(path);
  std::ifstream in(path);
  nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    const bool config = !json.contains("long_factor") && json.contains("rope_scaling");
    ReadAttentionFields(config ? json["rope_scaling"] : json,
                        path + (config ? ": rope_scaling." : ": "), file);
  }
  return file;
}

std::vector<double> ReadFactorFile(const std::string& path, std::string_view field) {
  std::ifstream in(path);
  Check(in.good(), "{}: cannot read the factor file", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  size_t first = 0;
  while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
  if (first < text.size() && (text[first] == '[' || text[first] == '{')) {
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      Fail("{}: invalid JSON: {}", path, e.what());
    }
    if (json.is_array()) return FromJsonList(json, path);
    const std::string key(field);
    if (json.contains(key)) return FromJsonList(json[key], path + ": " + key);
    if (json.contains("rope_scaling") && json["rope_scaling"].is_object() &&
        json["rope_scaling"].contains(key)) {
      return FromJsonList(json["rope_scaling"][key], path + ": rope_scaling." + key);
    }
    Fail("{}: no {} (expected a list, {{\"{}\": [...]}} or a config)", path, key, key);
  }
  std::vector<double> factors;
  std::istringstream lines(text);
  std::string line;
  int line_number = 0;
  while (std::getline(lines, line)) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    for (char& c : line) {
      if (c == ',' || c == ';') c = ' ';
    }
    std::istringstream items(line);
    std::string item;
    while (items >> item) {
      size_t used = 0;
      double value = 0;
      try {
        value = std::stod(item, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      Check(used == item.size(), "{}:{}: '{}' is not a number", path, line_number, item);
      factors.push_back(value);
    }
  }
  Check(!factors.empty(), "{}: no factors", path);
  return factors;
}

}  // namespace ropescale::search
