#pragma once
// Typed access to config.json fields with errors that name the file and the field path
// (e.g. "config.json: field 'text_config.rope_scaling.factor': expected a number"). Internal
// to src/rope (the HF config reader and writer).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ropescale::hf_json {

// A JSON object together with where it sits: the file and the path prefix of its fields.
struct Object {
  const nlohmann::json* json = nullptr;
  std::string source;  // file name for messages
  std::string prefix;  // "" or "text_config." or "rope_scaling." ...

  std::string Path(std::string_view key) const { return prefix + std::string(key); }
  // True when the key is present and not null.
  bool Has(std::string_view key) const;
  std::optional<double> Number(std::string_view key) const;
  // Integers; a float with an integral value (4096.0) is accepted, 4096.5 is not.
  std::optional<int64_t> Integer(std::string_view key) const;
  std::optional<bool> Bool(std::string_view key) const;
  std::optional<std::string> String(std::string_view key) const;
  std::optional<std::vector<double>> NumberList(std::string_view key) const;
  // The nested object, or nullopt when absent/null; Error when present but not an object.
  std::optional<Object> Child(std::string_view key) const;

  double RequireNumber(std::string_view key, std::string_view why) const;
  int64_t RequireInteger(std::string_view key, std::string_view why) const;
  std::vector<double> RequireNumberList(std::string_view key, std::string_view why) const;
};

}  // namespace ropescale::hf_json
