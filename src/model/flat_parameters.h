#pragma once
// Every parameter of a model (or a gradient or optimizer moment of each) in ONE flat float
// buffer, in ParameterShapes order, with a name -> (offset, shape) index: what a backend
// reduces, all-reduces or scans in one loop, while tests and checkpoints still see a
// ParameterSet by name.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "src/model/model_config.h"
#include "src/model/tensor.h"

namespace ropescale {

class FlatParameters {
 public:
  struct Entry {
    std::string name;
    std::vector<int64_t> shape;
    int64_t offset = 0;  // in elements, into values()
    int64_t count = 0;   // elements
  };

  FlatParameters() = default;
  // Zeros, laid out as ParameterShapes(config).
  explicit FlatParameters(const ModelConfig& config);

  int64_t size() const { return static_cast<int64_t>(values_.size()); }
  std::span<float> values() { return values_; }
  std::span<const float> values() const { return values_; }
  // Entries in ParameterShapes order (their offsets increase).
  const std::vector<Entry>& entries() const { return entries_; }
  // Entry indices in name order (the order of a ParameterSet).
  const std::map<std::string, size_t>& by_name() const { return by_name_; }

  // The first value of parameter `name`; throws Error when the name is unknown.
  float* Find(const std::string& name);
  const float* Find(const std::string& name) const;

  void Fill(float value);
  ParameterSet ToParameterSet() const;
  // Copies `set` in after checking that it holds exactly these names and shapes; `what` names
  // the caller in the Error (e.g. "SetParameters"). Nothing is changed when the check fails.
  void CopyFrom(const ParameterSet& set, const char* what);

 private:
  std::vector<float> values_;
  std::vector<Entry> entries_;
  std::map<std::string, size_t> by_name_;
};

}  // namespace ropescale
