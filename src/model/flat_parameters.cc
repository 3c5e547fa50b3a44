#include "src/model/flat_parameters.h"

#include <fmt/ranges.h>

#include <algorithm>

#include "src/core/error.h"

namespace ropescale {

FlatParameters::FlatParameters(const ModelConfig& config) {
  int64_t offset = 0;
  for (auto& [name, shape] : ParameterShapes(config)) {
    const int64_t count = Tensor::NumElements(shape);
    Check(by_name_.emplace(name, entries_.size()).second, "FlatParameters: duplicate name '{}'",
          name);
    entries_.push_back({name, shape, offset, count});
    offset += count;
  }
  values_.assign(static_cast<size_t>(offset), 0.0f);
}

float* FlatParameters::Find(const std::string& name) {
  auto it = by_name_.find(name);
  Check(it != by_name_.end(), "no parameter '{}' in this model", name);
  return values_.data() + entries_[it->second].offset;
}

const float* FlatParameters::Find(const std::string& name) const {
  return const_cast<FlatParameters*>(this)->Find(name);
}

void FlatParameters::Fill(float value) { std::fill(values_.begin(), values_.end(), value); }

ParameterSet FlatParameters::ToParameterSet() const {
  ParameterSet set;
  for (const Entry& e : entries_) {
    Tensor tensor;
    tensor.shape = e.shape;
    tensor.data.assign(values_.begin() + e.offset, values_.begin() + e.offset + e.count);
    set.emplace(e.name, std::move(tensor));
  }
  return set;
}

void FlatParameters::CopyFrom(const ParameterSet& set, const char* what) {
  for (const auto& [name, tensor] : set) {
    Check(by_name_.count(name) == 1, "{}: unexpected tensor '{}' for this model config", what,
          name);
  }
  for (const Entry& e : entries_) {
    auto it = set.find(e.name);
    Check(it != set.end(), "{}: tensor '{}' is missing", what, e.name);
    Check(it->second.shape == e.shape, "{}: tensor '{}' has shape [{}], expected [{}]", what,
          e.name, fmt::join(it->second.shape, ","), fmt::join(e.shape, ","));
    Check(it->second.numel() == e.count, "{}: tensor '{}' has {} values for its shape", what,
          e.name, it->second.numel());
  }
  for (const Entry& e : entries_) {
    const std::vector<float>& data = set.at(e.name).data;
    std::copy(data.begin(), data.end(), values_.begin() + e.offset);
  }
}

}  // namespace ropescale
