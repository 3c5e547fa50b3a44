#include "src/rope/hf_json_fields.h"

#include <cmath>

#include "src/core/error.h"

namespace ropescale::hf_json {
namespace {

std::string Describe(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

}  // namespace

bool Object::Has(std::string_view key) const {
  const auto it = json->find(key);
  return it != json->end() && !it->is_null();
}

std::optional<double> Object::Number(std::string_view key) const {
  if (!Has(key)) return std::nullopt;
  const nlohmann::json& value = json->at(key);
  Check(value.is_number(), "{}: field '{}': expected a number, got {}", source, Path(key),
        Describe(value));
  return value.get<double>();
}

std::optional<int64_t> Object::Integer(std::string_view key) const {
  if (!Has(key)) return std::nullopt;
  const nlohmann::json& value = json->at(key);
  if (value.is_number_integer()) return value.get<int64_t>();
  Check(value.is_number_float() && std::isfinite(value.get<double>()) &&
            std::floor(value.get<double>()) == value.get<double>(),
        "{}: field '{}': expected an integer, got {}", source, Path(key), Describe(value));
  return static_cast<int64_t>(value.get<double>());
}

std::optional<bool> Object::Bool(std::string_view key) const {
  if (!Has(key)) return std::nullopt;
  const nlohmann::json& value = json->at(key);
  Check(value.is_boolean(), "{}: field '{}': expected true or false, got {}", source, Path(key),
        Describe(value));
  return value.get<bool>();
}

std::optional<std::string> Object::String(std::string_view key) const {
  if (!Has(key)) return std::nullopt;
  const nlohmann::json& value = json->at(key);
  Check(value.is_string(), "{}: field '{}': expected a string, got {}", source, Path(key),
        Describe(value));
  return value.get<std::string>();
}

std::optional<std::vector<double>> Object::NumberList(std::string_view key) const {
  if (!Has(key)) return std::nullopt;
  const nlohmann::json& value = json->at(key);
  Check(value.is_array(), "{}: field '{}': expected a list of numbers, got {}", source, Path(key),
        Describe(value));
  std::vector<double> out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    Check(value[i].is_number(), "{}: field '{}[{}]': expected a number, got {}", source, Path(key),
          i, Describe(value[i]));
    out.push_back(value[i].get<double>());
  }
  return out;
}

std::optional<Object> Object::Child(std::string_view key) const {
  if (!Has(key)) return std::nullopt;
  const nlohmann::json& value = json->at(key);
  Check(value.is_object(), "{}: field '{}': expected an object, got {}", source, Path(key),
        Describe(value));
  return Object{&value, source, Path(key) + "."};
}

double Object::RequireNumber(std::string_view key, std::string_view why) const {
  const auto value = Number(key);
  Check(value.has_value(), "{}: field '{}' is missing ({})", source, Path(key), why);
  return *value;
}

int64_t Object::RequireInteger(std::string_view key, std::string_view why) const {
  const auto value = Integer(key);
  Check(value.has_value(), "{}: field '{}' is missing ({})", source, Path(key), why);
  return *value;
}

std::vector<double> Object::RequireNumberList(std::string_view key, std::string_view why) const {
  auto value = NumberList(key);
  Check(value.has_value(), "{}: field '{}' is missing ({})", source, Path(key), why);
  return std::move(*value);
}

}  // namespace ropescale::hf_json
