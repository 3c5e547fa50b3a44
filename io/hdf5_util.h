#pragma once
// A thin RAII layer over the HDF5 C API (serial or parallel builds alike): handles that close
// themselves, and typed attribute/dataset access whose every error is one ropescale::Error
// naming the file and the object path (HDF5's own error printing is switched off).
#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ropescale::h5 {

// Owns one hid_t and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { Reset(); }
  Handle(Handle&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void Reset();

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

// The innermost message of HDF5's current error stack (e.g. "truncated file: eof = ..."),
// or "" when there is none.
std::string LastHdf5Message();

// A file, group or dataset, together with the file name and its path in the file, so every
// error can say where it happened: "FILE: /group/name: what".
class Object {
 public:
  Object(Handle handle, std::string file, std::string path)
      : handle_(std::move(handle)), file_(std::move(file)), path_(std::move(path)) {}

  hid_t id() const { return handle_.get(); }
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  // "FILE: /path/child" for messages.
  std::string Where(std::string_view child = "") const;
  std::string ChildPath(std::string_view child) const;

  bool HasChild(std::string_view name) const;
  bool HasAttribute(std::string_view name) const;
  // Names of the links below this group, sorted.
  std::vector<std::string> Children() const;

  Object CreateGroup(std::string_view name) const;
  Object OpenGroup(std::string_view name) const;
  Object OpenDataset(std::string_view name) const;
  // Flushes a file to disk; throws naming the file when that fails.
  void Flush() const;

  // Attributes (scalars, strings as variable-length UTF-8).
  void SetString(std::string_view name, std::string_view value) const;
  void SetInt(std::string_view name, int64_t value) const;
  void SetDouble(std::string_view name, double value) const;
  std::string GetString(std::string_view name) const;
  int64_t GetInt(std::string_view name) const;
  double GetDouble(std::string_view name) const;
  std::optional<std::string> GetOptionalString(std::string_view name) const;

  // Datasets. Float32 writes a dataset of the given shape and returns it (to attach attributes).
  Object WriteFloat32(std::string_view name, const std::vector<int64_t>& shape,
                      const std::vector<float>& data) const;
  void WriteFloat64(std::string_view name, const std::vector<double>& data) const;
  void WriteUint64(std::string_view name, const std::vector<uint64_t>& data) const;
  // Reads a float32 dataset; throws when it is not float32. Shape returned through `shape`.
  std::vector<float> ReadFloat32(std::string_view name, std::vector<int64_t>& shape) const;
  std::vector<double> ReadFloat64(std::string_view name) const;
  std::vector<uint64_t> ReadUint64(std::string_view name) const;

  // 1-D integer and string datasets.
  void WriteInt64(std::string_view name, const std::vector<int64_t>& data) const;
  std::vector<int64_t> ReadInt64(std::string_view name) const;  // int64 datasets only
  // Stores int32 values as `file_type` (e.g. H5T_STD_U16LE; HDF5 converts element by element
  // and would clamp a value that does not fit, so the caller checks the range first);
  // `deflate_level` 1..9 stores it chunked and compressed (when the HDF5 build has deflate),
  // 0 contiguous.
  void WriteInt32As(std::string_view name, const std::vector<int32_t>& data, hid_t file_type,
                    int deflate_level = 0) const;
  // Reads any 1-D integer dataset into int32 (HDF5 converts; values beyond the int32 range are
  // clamped to it, so callers range-check what they read).
  std::vector<int32_t> ReadInt32(std::string_view name) const;
  void WriteStrings(std::string_view name, const std::vector<std::string>& data) const;
  // Reads a 1-D dataset of variable- or fixed-length strings.
  std::vector<std::string> ReadStrings(std::string_view name) const;
  // The element type of a dataset as text: "uint16", "int64", "float32", "string", ...
  std::string DatasetType(std::string_view name) const;

 private:
  Handle handle_;
  std::string file_;
  std::string path_;
};

// Creates (truncating) or opens a file; the returned Object is its root group "/".
Object CreateFile(const std::string& path);
Object OpenFileReadOnly(const std::string& path);
// Checks the root's `format` (string) and `format_version` (int) attributes, naming the file.
void CheckFormat(const Object& root, std::string_view format, int64_t version);

}  // namespace ropescale::h5
