#include "src/model/init_parameters.h"

#include <string_view>

#include "src/core/rng.h"

namespace ropescale {
namespace {

// FNV-1a: a stable 64-bit key for a tensor name (std::hash is not stable across libraries).
uint64_t NameKey(std::string_view name) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

constexpr uint64_t kPurposeInit = 0x1417;

}  // namespace

ParameterSet InitParameters(const ModelConfig& config, uint64_t seed) {
  ParameterSet params;
  for (const auto& [name, shape] : ParameterShapes(config)) {
    Tensor tensor(shape);
    if (shape.size() == 1) {
      for (float& x : tensor.data) x = 1.0f;
    } else {
      CounterRng rng(seed, StreamId({kPurposeInit, NameKey(name)}));
      for (float& x : tensor.data) x = static_cast<float>(kInitStddev * rng.Normal());
    }
    params.emplace(name, std::move(tensor));
  }
  return params;
}

}  // namespace ropescale
