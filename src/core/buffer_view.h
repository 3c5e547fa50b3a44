#pragma once
// A typed, non-owning view of a flat buffer in host or device memory: what a backend hands to a
// communicator (gradients to all-reduce, weights to broadcast) without either knowing the other.
// A host communicator (MPI) takes host views; a device one (NCCL, later) takes device views.
#include <cstddef>
#include <cstdint>
#include <span>

namespace ropescale {

enum class DataType { kFloat32, kFloat64, kInt64, kUint8 };
enum class MemorySpace { kHost, kDevice };

inline constexpr size_t DataTypeSize(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return 4;
    case DataType::kFloat64:
    case DataType::kInt64:
      return 8;
    case DataType::kUint8:
      return 1;
  }
  return 0;
}

const char* DataTypeName(DataType type);

struct BufferView {
  void* data = nullptr;
  int64_t count = 0;  // elements, not bytes
  DataType type = DataType::kFloat32;
  MemorySpace space = MemorySpace::kHost;
  int device = -1;  // device ordinal when space == kDevice

  size_t Bytes() const { return static_cast<size_t>(count) * DataTypeSize(type); }
};

inline BufferView HostView(std::span<float> values) {
  return {values.data(), static_cast<int64_t>(values.size()), DataType::kFloat32};
}
inline BufferView HostView(std::span<double> values) {
  return {values.data(), static_cast<int64_t>(values.size()), DataType::kFloat64};
}
inline BufferView HostView(std::span<int64_t> values) {
  return {values.data(), static_cast<int64_t>(values.size()), DataType::kInt64};
}
inline BufferView HostView(std::span<uint8_t> values) {
  return {values.data(), static_cast<int64_t>(values.size()), DataType::kUint8};
}

}  // namespace ropescale
