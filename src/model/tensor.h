#pragma once
// Host fp32 tensors and named sets of them (weights, gradients, optimizer moments).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ropescale {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;

  Tensor() = default;
  explicit Tensor(std::vector<int64_t> s) : shape(std::move(s)), data(NumElements(shape), 0.0f) {}
  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  static int64_t NumElements(const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  bool operator==(const Tensor&) const = default;
};

// Ordered by name, so iteration (and anything reduced over it) is deterministic.
using ParameterSet = std::map<std::string, Tensor>;

}  // namespace ropescale
