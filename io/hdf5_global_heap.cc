#include "io/hdf5_global_heap.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <set>
#include <string_view>
#include <vector>

#include "src/core/error.h"

namespace ropescale::h5 {
namespace {

// Layout (HDF5 file format spec, "Global Heap"; 8-byte lengths as in every file we write):
// "GCOL", version 1, 3 reserved bytes, collection size (8), then objects of
// index (2), reference count (2), reserved (4), size (8), data padded to 8 bytes.
// Index 0 is the free space, which runs to the end of the collection.
constexpr size_t kHeaderSize = 16;
constexpr size_t kObjectHeaderSize = 16;

uint64_t Le(const char* bytes, int width) {
  uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

uint64_t AlignUp8(uint64_t n) { return (n + 7) / 8 * 8; }

std::vector<char> ReadAt(std::ifstream& in, const std::string& path, uint64_t at, uint64_t size) {
  std::vector<char> bytes(static_cast<size_t>(size));
  in.clear();
  in.seekg(static_cast<std::streamoff>(at));
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  Check(in.gcount() == static_cast<std::streamsize>(size), "{}: read error at byte {}", path, at);
  return bytes;
}

// `start`: the collection's byte offset; `file_size` bounds what it may claim.
void CheckCollection(std::ifstream& in, const std::string& path, uint64_t start,
                     uint64_t file_size) {
  const uint64_t size = Le(ReadAt(in, path, start + 8, 8).data(), 8);
  Check(size >= kHeaderSize && size <= file_size - start,
        "{}: corrupt HDF5 file: the global heap at byte {} claims {} bytes (the file holds {})",
        path, start, size, file_size);
  const std::vector<char> heap = ReadAt(in, path, start, size);
  const uint64_t end = size;
  std::set<uint64_t> seen;
  uint64_t at = kHeaderSize;
  while (at < end) {
    Check(end - at >= kObjectHeaderSize,
          "{}: corrupt HDF5 file: the global heap at byte {} ends inside an object header", path,
          start);
    const uint64_t index = Le(heap.data() + at, 2);
    const uint64_t object_size = Le(heap.data() + at + 8, 8);
    if (index == 0) {
      Check(object_size == end - at,
            "{}: corrupt HDF5 file: the global heap at byte {} has free space of {} bytes where {} "
            "remain",
            path, start, object_size, end - at);
      return;
    }
    Check(seen.insert(index).second,
          "{}: corrupt HDF5 file: the global heap at byte {} holds object {} twice", path, start,
          index);
    Check(AlignUp8(object_size) >= object_size &&
              AlignUp8(object_size) <= end - at - kObjectHeaderSize,
          "{}: corrupt HDF5 file: object {} of the global heap at byte {} claims {} bytes beyond "
          "its collection",
          path, index, start, object_size);
    at += kObjectHeaderSize + AlignUp8(object_size);
  }
}

}  // namespace

void CheckGlobalHeaps(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  Check(in.good(), "{}: cannot open", path);
  in.seekg(0, std::ios::end);
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  // A collection starts with "GCOL", version 1 and three zero bytes; eight such bytes by chance
  // inside float data are not a practical concern. The file is scanned in overlapping chunks.
  static constexpr char kSignature[] = {'G', 'C', 'O', 'L', 1, 0, 0, 0};
  const std::string_view signature(kSignature, sizeof(kSignature));
  constexpr uint64_t kChunk = uint64_t{1} << 20;
  std::vector<uint64_t> starts;
  for (uint64_t base = 0; base < file_size; base += kChunk) {
    const uint64_t length = std::min(kChunk + signature.size() - 1, file_size - base);
    const std::vector<char> chunk = ReadAt(in, path, base, length);
    const std::string_view view(chunk.data(), chunk.size());
    for (size_t at = view.find(signature); at != std::string_view::npos && at < kChunk;
         at = view.find(signature, at + 1)) {
      starts.push_back(base + at);
    }
  }
  for (const uint64_t start : starts) {
    Check(file_size - start >= kHeaderSize,
          "{}: corrupt HDF5 file: a global heap at byte {} is cut off", path, start);
    CheckCollection(in, path, start, file_size);
  }
}

}  // namespace ropescale::h5
