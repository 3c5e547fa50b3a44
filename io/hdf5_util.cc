#include "io/hdf5_util.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

#include "io/hdf5_global_heap.h"
#include "src/core/error.h"
#include "src/core/storage_cause.h"

namespace ropescale::h5 {
namespace {

// HDF5 registers an exit handler (and, under MPI, an MPI_Finalize hook) that closes the files
// still open; a file whose close failed (a full disk) makes that handler crash after the error
// was printed. ropescale closes every file it opens itself, so the library is started here,
// before main and before MPI_Init, with neither hook.
const bool kHdf5StartedWithoutExitHooks = [] {
  H5dont_atexit();
  return H5open() >= 0;
}();

// HDF5 prints its error stack to stderr by default; we report errors ourselves.
void SilenceHdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

herr_t KeepInnermost(unsigned n, const H5E_error2_t* error, void* client) {
  auto* message = static_cast<std::string*>(client);
  if (n == 0 && error->desc != nullptr) *message = error->desc;
  return 0;
}

// " (HDF5: ...)" with HDF5's innermost message, or "".
std::string Hdf5Detail() {
  const std::string cause = StorageCause(errno);
  const std::string message = LastHdf5Message();
  return cause + (message.empty() ? "" : " (HDF5: " + message + ")");
}

std::string TypeDescription(hid_t type) {
  const H5T_class_t type_class = H5Tget_class(type);
  const size_t bits = H5Tget_size(type) * 8;
  switch (type_class) {
    case H5T_INTEGER:
      return fmt::format("{}int{}", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", bits);
    case H5T_FLOAT:
      return fmt::format("float{}", bits);
    case H5T_STRING:
      return "string";
    default:
      return fmt::format("HDF5 type class {}", static_cast<int>(type_class));
  }
}

Handle Scalar() { return Handle(H5Screate(H5S_SCALAR), H5Sclose); }

Handle Simple(const std::vector<int64_t>& shape) {
  if (shape.empty()) return Scalar();
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  return Handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
}

Handle Utf8VariableString() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

// Shape of a dataset's dataspace.
std::vector<int64_t> ShapeOf(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank <= 0) return {};
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return std::vector<int64_t>(dims.begin(), dims.end());
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    Reset();
    id_ = other.id_;
    closer_ = other.closer_;
    other.id_ = -1;
  }
  return *this;
}

void Handle::Reset() {
  if (id_ >= 0 && closer_ != nullptr) closer_(id_);
  id_ = -1;
}

std::string LastHdf5Message() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, KeepInnermost, &message);
  H5Eclear2(H5E_DEFAULT);
  return message;
}

std::string Object::ChildPath(std::string_view child) const {
  if (child.empty()) return path_;
  std::string result = path_;
  if (result.empty() || result.back() != '/') result.push_back('/');
  result.append(child);
  return result;
}

std::string Object::Where(std::string_view child) const { return file_ + ": " + ChildPath(child); }

bool Object::HasChild(std::string_view name) const {
  const std::string n(name);
  return H5Lexists(id(), n.c_str(), H5P_DEFAULT) > 0;
}

bool Object::HasAttribute(std::string_view name) const {
  const std::string n(name);
  return H5Aexists(id(), n.c_str()) > 0;
}

std::vector<std::string> Object::Children() const {
  H5G_info_t info{};
  Check(H5Gget_info(id(), &info) >= 0, "{}: cannot list the group{}", Where(), Hdf5Detail());
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t size =
        H5Lget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    Check(size >= 0, "{}: cannot read link {}{}", Where(), i, Hdf5Detail());
    std::string name(static_cast<size_t>(size) + 1, '\0');
    H5Lget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(),
                       H5P_DEFAULT);
    name.resize(static_cast<size_t>(size));
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Object Object::CreateGroup(std::string_view name) const {
  const std::string n(name);
  Handle group(H5Gcreate2(id(), n.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  Check(group.valid(), "{}: cannot create group{}", Where(name), Hdf5Detail());
  return Object(std::move(group), file_, ChildPath(name));
}

Object Object::OpenGroup(std::string_view name) const {
  Check(HasChild(name), "{}: missing group", Where(name));
  const std::string n(name);
  Handle group(H5Gopen2(id(), n.c_str(), H5P_DEFAULT), H5Gclose);
  Check(group.valid(), "{}: not a readable group{}", Where(name), Hdf5Detail());
  return Object(std::move(group), file_, ChildPath(name));
}

Object Object::OpenDataset(std::string_view name) const {
  Check(HasChild(name), "{}: missing dataset", Where(name));
  const std::string n(name);
  Handle dataset(H5Dopen2(id(), n.c_str(), H5P_DEFAULT), H5Dclose);
  Check(dataset.valid(), "{}: not a readable dataset{}", Where(name), Hdf5Detail());
  return Object(std::move(dataset), file_, ChildPath(name));
}

void Object::Flush() const {
  // The call before the message: Check's arguments are all evaluated, in no fixed order.
  const bool flushed = H5Fflush(id(), H5F_SCOPE_GLOBAL) >= 0;
  Check(flushed, "{}: cannot flush to disk{}", file_, Hdf5Detail());
}

void Object::SetString(std::string_view name, std::string_view value) const {
  const std::string n(name);
  const std::string v(value);
  Handle type = Utf8VariableString();
  Handle space = Scalar();
  Handle attr(H5Acreate2(id(), n.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  const char* text = v.c_str();
  Check(attr.valid() && H5Awrite(attr.get(), type.get(), &text) >= 0,
        "{}: cannot write attribute '{}'{}", Where(), name, Hdf5Detail());
}

void Object::SetInt(std::string_view name, int64_t value) const {
  const std::string n(name);
  Handle space = Scalar();
  Handle attr(H5Acreate2(id(), n.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  Check(attr.valid() && H5Awrite(attr.get(), H5T_NATIVE_INT64, &value) >= 0,
        "{}: cannot write attribute '{}'{}", Where(), name, Hdf5Detail());
}

void Object::SetDouble(std::string_view name, double value) const {
  const std::string n(name);
  Handle space = Scalar();
  Handle attr(H5Acreate2(id(), n.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  Check(attr.valid() && H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value) >= 0,
        "{}: cannot write attribute '{}'{}", Where(), name, Hdf5Detail());
}

namespace {

// Opens a scalar attribute and checks its type class.
Handle OpenScalarAttribute(const Object& object, std::string_view name, H5T_class_t want,
                           const char* want_name) {
  Check(object.HasAttribute(name), "{}: missing attribute '{}'", object.Where(), name);
  const std::string n(name);
  Handle attr(H5Aopen(object.id(), n.c_str(), H5P_DEFAULT), H5Aclose);
  Check(attr.valid(), "{}: cannot open attribute '{}'{}", object.Where(), name, Hdf5Detail());
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  Check(H5Tget_class(type.get()) == want, "{}: attribute '{}' is {}, expected {}", object.Where(),
        name, TypeDescription(type.get()), want_name);
  Check(H5Sget_simple_extent_npoints(space.get()) == 1, "{}: attribute '{}' is not a scalar",
        object.Where(), name);
  return attr;
}

}  // namespace

std::string Object::GetString(std::string_view name) const {
  Handle attr = OpenScalarAttribute(*this, name, H5T_STRING, "a string");
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle memtype = Utf8VariableString();
    char* text = nullptr;
    Check(H5Aread(attr.get(), memtype.get(), &text) >= 0 && text != nullptr,
          "{}: cannot read attribute '{}'{}", Where(), name, Hdf5Detail());
    std::string value(text);
    H5free_memory(text);
    return value;
  }
  const size_t size = H5Tget_size(type.get());
  Handle memtype(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(memtype.get(), size);
  std::string value(size, '\0');
  Check(H5Aread(attr.get(), memtype.get(), value.data()) >= 0, "{}: cannot read attribute '{}'{}",
        Where(), name, Hdf5Detail());
  value.resize(std::strlen(value.c_str()));
  return value;
}

std::optional<std::string> Object::GetOptionalString(std::string_view name) const {
  if (!HasAttribute(name)) return std::nullopt;
  return GetString(name);
}

int64_t Object::GetInt(std::string_view name) const {
  Handle attr = OpenScalarAttribute(*this, name, H5T_INTEGER, "an integer");
  int64_t value = 0;
  Check(H5Aread(attr.get(), H5T_NATIVE_INT64, &value) >= 0, "{}: cannot read attribute '{}'{}",
        Where(), name, Hdf5Detail());
  return value;
}

double Object::GetDouble(std::string_view name) const {
  Handle attr = OpenScalarAttribute(*this, name, H5T_FLOAT, "a float");
  double value = 0;
  Check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) >= 0, "{}: cannot read attribute '{}'{}",
        Where(), name, Hdf5Detail());
  return value;
}

namespace {

Object CreateDataset(const Object& parent, std::string_view name, hid_t file_type,
                     const std::vector<int64_t>& shape, hid_t mem_type, const void* data) {
  const std::string n(name);
  Handle space = Simple(shape);
  Handle dataset(H5Dcreate2(parent.id(), n.c_str(), file_type, space.get(), H5P_DEFAULT,
                            H5P_DEFAULT, H5P_DEFAULT),
                 H5Dclose);
  Check(dataset.valid(), "{}: cannot create dataset{}", parent.Where(name), Hdf5Detail());
  const bool written = H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
  Check(written, "{}: cannot write dataset{}", parent.Where(name), Hdf5Detail());
  return Object(std::move(dataset), parent.file(), parent.ChildPath(name));
}

// Opens a dataset, checks its element type (class and byte size) and returns its shape.
Object OpenTyped(const Object& parent, std::string_view name, H5T_class_t want_class,
                 size_t want_size, const char* want_name, std::vector<int64_t>& shape) {
  Object dataset = parent.OpenDataset(name);
  Handle type(H5Dget_type(dataset.id()), H5Tclose);
  Check(H5Tget_class(type.get()) == want_class && H5Tget_size(type.get()) == want_size,
        "{}: dataset is {}, expected {}", parent.Where(name), TypeDescription(type.get()),
        want_name);
  Handle space(H5Dget_space(dataset.id()), H5Sclose);
  shape = ShapeOf(space.get());
  return dataset;
}

template <typename T>
std::vector<T> ReadAll(const Object& parent, std::string_view name, const Object& dataset,
                       const std::vector<int64_t>& shape, hid_t mem_type) {
  // A damaged dataspace can claim any extent: an uncompressed dataset cannot hold more bytes
  // than the file, so the extent is checked against the file size before allocating.
  hsize_t file_size = 0;
  {
    Handle file(H5Iget_file_id(dataset.id()), H5Fclose);
    Check(file.valid() && H5Fget_filesize(file.get(), &file_size) >= 0,
          "{}: cannot get the file size{}", parent.Where(name), Hdf5Detail());
  }
  Handle properties(H5Dget_create_plist(dataset.id()), H5Pclose);
  const bool filtered = properties.valid() && H5Pget_nfilters(properties.get()) > 0;
  const uint64_t limit =
      filtered ? std::numeric_limits<uint64_t>::max() / sizeof(T) : file_size / sizeof(T);
  uint64_t count = 1;
  for (int64_t d : shape) {
    Check(d >= 0 && (d == 0 || count <= limit / static_cast<uint64_t>(d)),
          "{}: the dataset's extent exceeds what the file holds (corrupt file)",
          parent.Where(name));
    count *= static_cast<uint64_t>(d);
  }
  std::vector<T> data(static_cast<size_t>(count));
  if (count > 0) {
    Check(H5Dread(dataset.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0,
          "{}: cannot read dataset (truncated or corrupt file?){}", parent.Where(name),
          Hdf5Detail());
  }
  return data;
}

}  // namespace

Object Object::WriteFloat32(std::string_view name, const std::vector<int64_t>& shape,
                            const std::vector<float>& data) const {
  int64_t count = 1;
  for (int64_t d : shape) {
    Check(d >= 0, "{}: negative dimension {}", Where(name), d);
    count *= d;
  }
  Check(count == static_cast<int64_t>(data.size()),
        "{}: shape holds {} values but the tensor has {}", Where(name), count, data.size());
  return CreateDataset(*this, name, H5T_IEEE_F32LE, shape, H5T_NATIVE_FLOAT, data.data());
}

void Object::WriteFloat64(std::string_view name, const std::vector<double>& data) const {
  CreateDataset(*this, name, H5T_IEEE_F64LE, {static_cast<int64_t>(data.size())}, H5T_NATIVE_DOUBLE,
                data.data());
}

void Object::WriteUint64(std::string_view name, const std::vector<uint64_t>& data) const {
  CreateDataset(*this, name, H5T_STD_U64LE, {static_cast<int64_t>(data.size())}, H5T_NATIVE_UINT64,
                data.data());
}

std::vector<float> Object::ReadFloat32(std::string_view name, std::vector<int64_t>& shape) const {
  Object dataset = OpenTyped(*this, name, H5T_FLOAT, 4, "float32", shape);
  return ReadAll<float>(*this, name, dataset, shape, H5T_NATIVE_FLOAT);
}

std::vector<double> Object::ReadFloat64(std::string_view name) const {
  std::vector<int64_t> shape;
  Object dataset = OpenTyped(*this, name, H5T_FLOAT, 8, "float64", shape);
  Check(shape.size() == 1, "{}: expected a 1-D dataset, found rank {}", Where(name), shape.size());
  return ReadAll<double>(*this, name, dataset, shape, H5T_NATIVE_DOUBLE);
}

std::vector<uint64_t> Object::ReadUint64(std::string_view name) const {
  std::vector<int64_t> shape;
  Object dataset = OpenTyped(*this, name, H5T_INTEGER, 8, "uint64", shape);
  Check(shape.size() == 1, "{}: expected a 1-D dataset, found rank {}", Where(name), shape.size());
  return ReadAll<uint64_t>(*this, name, dataset, shape, H5T_NATIVE_UINT64);
}

void Object::WriteInt64(std::string_view name, const std::vector<int64_t>& data) const {
  CreateDataset(*this, name, H5T_STD_I64LE, {static_cast<int64_t>(data.size())}, H5T_NATIVE_INT64,
                data.data());
}

std::vector<int64_t> Object::ReadInt64(std::string_view name) const {
  std::vector<int64_t> shape;
  Object dataset = OpenTyped(*this, name, H5T_INTEGER, 8, "int64", shape);
  Handle type(H5Dget_type(dataset.id()), H5Tclose);
  Check(H5Tget_sign(type.get()) == H5T_SGN_2, "{}: dataset is uint64, expected int64", Where(name));
  Check(shape.size() == 1, "{}: expected a 1-D dataset, found rank {}", Where(name), shape.size());
  return ReadAll<int64_t>(*this, name, dataset, shape, H5T_NATIVE_INT64);
}

void Object::WriteInt32As(std::string_view name, const std::vector<int32_t>& data, hid_t file_type,
                          int deflate_level) const {
  const hsize_t count = data.size();
  Handle properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (deflate_level > 0 && count > 0 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
    const hsize_t chunk = std::min<hsize_t>(count, hsize_t{1} << 20);
    Check(H5Pset_chunk(properties.get(), 1, &chunk) >= 0 &&
              H5Pset_deflate(properties.get(), static_cast<unsigned>(deflate_level)) >= 0,
          "{}: cannot set up chunked compression{}", Where(name), Hdf5Detail());
  }
  const std::string n(name);
  Handle space = Simple({static_cast<int64_t>(count)});
  Handle dataset(H5Dcreate2(id(), n.c_str(), file_type, space.get(), H5P_DEFAULT, properties.get(),
                            H5P_DEFAULT),
                 H5Dclose);
  Check(dataset.valid(), "{}: cannot create dataset{}", Where(name), Hdf5Detail());
  const bool written = count == 0 || H5Dwrite(dataset.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL,
                                              H5P_DEFAULT, data.data()) >= 0;
  Check(written, "{}: cannot write dataset{}", Where(name), Hdf5Detail());
}

std::vector<int32_t> Object::ReadInt32(std::string_view name) const {
  std::vector<int64_t> shape;
  Object dataset = OpenDataset(name);
  Handle type(H5Dget_type(dataset.id()), H5Tclose);
  Check(H5Tget_class(type.get()) == H5T_INTEGER, "{}: dataset is {}, expected integers",
        Where(name), TypeDescription(type.get()));
  Handle space(H5Dget_space(dataset.id()), H5Sclose);
  shape = ShapeOf(space.get());
  Check(shape.size() == 1, "{}: expected a 1-D dataset, found rank {}", Where(name), shape.size());
  return ReadAll<int32_t>(*this, name, dataset, shape, H5T_NATIVE_INT32);
}

void Object::WriteStrings(std::string_view name, const std::vector<std::string>& data) const {
  std::vector<const char*> pointers;
  pointers.reserve(data.size());
  for (const std::string& text : data) pointers.push_back(text.c_str());
  Handle type = Utf8VariableString();
  CreateDataset(*this, name, type.get(), {static_cast<int64_t>(data.size())}, type.get(),
                pointers.data());
}

std::vector<std::string> Object::ReadStrings(std::string_view name) const {
  Object dataset = OpenDataset(name);
  Handle type(H5Dget_type(dataset.id()), H5Tclose);
  Check(H5Tget_class(type.get()) == H5T_STRING, "{}: dataset is {}, expected strings", Where(name),
        TypeDescription(type.get()));
  Handle space(H5Dget_space(dataset.id()), H5Sclose);
  const std::vector<int64_t> shape = ShapeOf(space.get());
  Check(shape.size() == 1, "{}: expected a 1-D dataset, found rank {}", Where(name), shape.size());
  const size_t count = static_cast<size_t>(shape[0]);
  std::vector<std::string> strings;
  strings.reserve(count);
  if (count == 0) return strings;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle memtype = Utf8VariableString();
    std::vector<char*> pointers(count, nullptr);
    Check(H5Dread(dataset.id(), memtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) >= 0,
          "{}: cannot read dataset (truncated or corrupt file?){}", Where(name), Hdf5Detail());
    for (char* text : pointers) strings.emplace_back(text == nullptr ? "" : text);
    H5Dvlen_reclaim(memtype.get(), space.get(), H5P_DEFAULT, pointers.data());
    return strings;
  }
  const size_t size = H5Tget_size(type.get());
  Handle memtype(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(memtype.get(), size);
  std::vector<char> buffer(count * size);
  Check(H5Dread(dataset.id(), memtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) >= 0,
        "{}: cannot read dataset (truncated or corrupt file?){}", Where(name), Hdf5Detail());
  for (size_t i = 0; i < count; ++i) {
    const char* begin = buffer.data() + i * size;
    strings.emplace_back(begin, strnlen(begin, size));
  }
  return strings;
}

std::string Object::DatasetType(std::string_view name) const {
  Object dataset = OpenDataset(name);
  Handle type(H5Dget_type(dataset.id()), H5Tclose);
  return TypeDescription(type.get());
}

Object CreateFile(const std::string& path) {
  SilenceHdf5();
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  Check(file.valid(), "{}: cannot create the HDF5 file{}", path, Hdf5Detail());
  return Object(std::move(file), path, "/");
}

Object OpenFileReadOnly(const std::string& path) {
  SilenceHdf5();
  FILE* probe = std::fopen(path.c_str(), "rb");
  Check(probe != nullptr, "{}: cannot open: {}", path, std::strerror(errno));
  std::fclose(probe);
#if H5_VERSION_GE(1, 12, 0)
  const htri_t is_hdf5 = H5Fis_accessible(path.c_str(), H5P_DEFAULT);
#else
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
#endif
  Check(is_hdf5 > 0, "{}: not an HDF5 file (no HDF5 signature found)", path);
  CheckGlobalHeaps(path);
  H5Eclear2(H5E_DEFAULT);
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  Check(file.valid(), "{}: corrupt or truncated HDF5 file{}", path, Hdf5Detail());
  return Object(std::move(file), path, "/");
}

void CheckFormat(const Object& root, std::string_view format, int64_t version) {
  const std::string found = root.GetString("format");
  Check(found == format, "{}: attribute 'format' is '{}', expected '{}'", root.Where(), found,
        format);
  const int64_t found_version = root.GetInt("format_version");
  Check(found_version == version, "{}: format_version {} is not supported (this build reads {})",
        root.Where(), found_version, version);
}

}  // namespace ropescale::h5
