#include "src/search/search_log.h"

#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <type_traits>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/storage_cause.h"

namespace ropescale::search {
namespace {

// Closes an HDF5 id with the given function when it goes out of scope.
class Id {
 public:
  Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Id() {
    if (id_ >= 0) close_(id_);
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

template <typename T>
hid_t NativeType() {
  if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  if constexpr (std::is_same_v<T, int32_t>) return H5T_NATIVE_INT32;
  if constexpr (std::is_same_v<T, int64_t>) return H5T_NATIVE_INT64;
  if constexpr (std::is_same_v<T, uint64_t>) return H5T_NATIVE_UINT64;
}

// The file and the object path every error names.
struct Place {
  std::string file;
  std::string path;
  std::string Where(const std::string& name) const { return file + ": " + path + "/" + name; }
};

template <typename T>
void WriteDataset(hid_t group, const Place& place, const std::string& name,
                  const std::vector<hsize_t>& dims, const std::vector<T>& data) {
  hsize_t expected = 1;
  for (hsize_t d : dims) expected *= d;
  Check(expected == data.size(), "{}: {} values for shape of {}", place.Where(name), data.size(),
        expected);
  Id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Id set(H5Dcreate2(group, name.c_str(), NativeType<T>(), space.get(), H5P_DEFAULT, H5P_DEFAULT,
                    H5P_DEFAULT),
         H5Dclose);
  Check(set.ok(), "{}: cannot create dataset{}", place.Where(name), StorageCause(errno));
  if (!data.empty()) {
    Check(H5Dwrite(set.get(), NativeType<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0,
          "{}: cannot write dataset{}", place.Where(name), StorageCause(errno));
  }
}

template <typename T>
std::vector<T> ReadDataset(hid_t group, const Place& place, const std::string& name,
                           const std::vector<hsize_t>& expected_dims) {
  Check(H5Lexists(group, name.c_str(), H5P_DEFAULT) > 0, "{}: missing dataset", place.Where(name));
  Id set(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
  Check(set.ok(), "{}: cannot open dataset", place.Where(name));
  Id space(H5Dget_space(set.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(rank > 0 ? rank : 0);
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  Check(dims == expected_dims, "{}: unexpected shape", place.Where(name));
  hsize_t count = 1;
  for (hsize_t d : dims) count *= d;
  std::vector<T> data(count);
  if (count > 0) {
    Check(H5Dread(set.get(), NativeType<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0,
          "{}: cannot read dataset", place.Where(name));
  }
  return data;
}

std::vector<hsize_t> DatasetDims(hid_t group, const Place& place, const std::string& name) {
  Check(H5Lexists(group, name.c_str(), H5P_DEFAULT) > 0, "{}: missing dataset", place.Where(name));
  Id set(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
  Check(set.ok(), "{}: cannot open dataset", place.Where(name));
  Id space(H5Dget_space(set.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  Check(rank >= 0, "{}: unreadable dataspace", place.Where(name));
  std::vector<hsize_t> dims(rank);
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

void SetStringAttribute(hid_t object, const Place& place, const std::string& name,
                        const std::string& value) {
  Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), value.size() + 1);
  H5Tset_strpad(type.get(), H5T_STR_NULLTERM);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Id space(H5Screate(H5S_SCALAR), H5Sclose);
  Id attribute(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
               H5Aclose);
  Check(attribute.ok() && H5Awrite(attribute.get(), type.get(), value.c_str()) >= 0,
        "{}: cannot write attribute", place.Where(name));
}

std::string GetStringAttribute(hid_t object, const Place& place, const std::string& name) {
  Check(H5Aexists(object, name.c_str()) > 0, "{}: missing attribute", place.Where(name));
  Id attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  Id type(H5Aget_type(attribute.get()), H5Tclose);
  Check(H5Tget_class(type.get()) == H5T_STRING && !H5Tis_variable_str(type.get()),
        "{}: not a fixed-length string", place.Where(name));
  std::string buffer(H5Tget_size(type.get()), '\0');
  Check(H5Aread(attribute.get(), type.get(), buffer.data()) >= 0, "{}: cannot read attribute",
        place.Where(name));
  return buffer.substr(0, buffer.find('\0'));
}

template <typename T>
void SetScalarAttribute(hid_t object, const Place& place, const std::string& name, T value) {
  Id space(H5Screate(H5S_SCALAR), H5Sclose);
  Id attribute(
      H5Acreate2(object, name.c_str(), NativeType<T>(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  Check(attribute.ok() && H5Awrite(attribute.get(), NativeType<T>(), &value) >= 0,
        "{}: cannot write attribute", place.Where(name));
}

template <typename T>
T GetScalarAttribute(hid_t object, const Place& place, const std::string& name) {
  Check(H5Aexists(object, name.c_str()) > 0, "{}: missing attribute", place.Where(name));
  Id attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  T value{};
  Check(H5Aread(attribute.get(), NativeType<T>(), &value) >= 0, "{}: cannot read attribute",
        place.Where(name));
  return value;
}

std::string GenerationName(int64_t generation) { return fmt::format("g{:06d}", generation); }

void WriteDocuments(hid_t file, const std::string& path,
                    const std::vector<EvaluationDocument>& docs) {
  Id group(H5Gcreate2(file, "documents", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  const Place place{path, "/documents"};
  Check(group.ok(), "{}: cannot create group", place.Where(""));
  const hsize_t count = docs.size();
  const hsize_t length = docs.empty() ? 0 : docs.front().tokens.size();
  std::vector<int32_t> tokens, targets;
  std::vector<float> weights;
  for (const EvaluationDocument& doc : docs) {
    Check(doc.tokens.size() == length && doc.targets.size() == length &&
              doc.loss_weights.size() == length,
          "{}: documents of different lengths", place.Where(""));
    tokens.insert(tokens.end(), doc.tokens.begin(), doc.tokens.end());
    targets.insert(targets.end(), doc.targets.begin(), doc.targets.end());
    weights.insert(weights.end(), doc.loss_weights.begin(), doc.loss_weights.end());
  }
  WriteDataset(group.get(), place, "tokens", {count, length}, tokens);
  WriteDataset(group.get(), place, "targets", {count, length}, targets);
  WriteDataset(group.get(), place, "loss_weights", {count, length}, weights);
}

std::vector<EvaluationDocument> ReadDocuments(hid_t file, const std::string& path) {
  const Place place{path, "/documents"};
  Check(H5Lexists(file, "documents", H5P_DEFAULT) > 0, "{}: missing group", place.Where(""));
  Id group(H5Gopen2(file, "documents", H5P_DEFAULT), H5Gclose);
  const std::vector<hsize_t> dims = DatasetDims(group.get(), place, "tokens");
  Check(dims.size() == 2, "{}: tokens is not 2-D", place.Where(""));
  const auto tokens = ReadDataset<int32_t>(group.get(), place, "tokens", dims);
  const auto targets = ReadDataset<int32_t>(group.get(), place, "targets", dims);
  const auto weights = ReadDataset<float>(group.get(), place, "loss_weights", dims);
  std::vector<EvaluationDocument> docs(dims[0]);
  const size_t length = dims[1];
  for (size_t d = 0; d < docs.size(); ++d) {
    docs[d].tokens.assign(tokens.begin() + d * length, tokens.begin() + (d + 1) * length);
    docs[d].targets.assign(targets.begin() + d * length, targets.begin() + (d + 1) * length);
    docs[d].loss_weights.assign(weights.begin() + d * length, weights.begin() + (d + 1) * length);
  }
  return docs;
}

void WriteGeneration(hid_t parent, const std::string& path, const GenerationRecord& record,
                     int num_documents) {
  const std::string name = GenerationName(record.generation);
  Id group(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  const Place place{path, "/generations/" + name};
  Check(group.ok(), "{}: cannot create group", place.Where(""));
  const hsize_t n = record.members.size();
  const hsize_t f = n > 0 ? record.members.front().candidate.grid.size() : 0;
  const hsize_t d = num_documents;
  std::vector<int64_t> grid;
  std::vector<double> factors, fitness, doc_loss, doc_weight;
  std::vector<int32_t> n_hat, origin, parents, evaluated;
  std::vector<uint64_t> streams, counters;
  for (const Member& m : record.members) {
    Check(m.candidate.grid.size() == f && m.document_loss.size() == d &&
              m.document_weight.size() == d,
          "{}: inconsistent member sizes", place.Where(""));
    grid.insert(grid.end(), m.candidate.grid.begin(), m.candidate.grid.end());
    n_hat.push_back(m.candidate.n_hat);
    fitness.push_back(m.fitness);
    doc_loss.insert(doc_loss.end(), m.document_loss.begin(), m.document_loss.end());
    doc_weight.insert(doc_weight.end(), m.document_weight.begin(), m.document_weight.end());
    origin.push_back(static_cast<int32_t>(m.origin));
    parents.push_back(m.parent1);
    parents.push_back(m.parent2);
    evaluated.push_back(m.evaluated_here ? 1 : 0);
    streams.push_back(m.rng_stream);
    counters.push_back(m.rng_counter);
  }
  WriteDataset(group.get(), place, "grid", {n, f}, grid);
  WriteDataset(group.get(), place, "n_hat", {n}, n_hat);
  WriteDataset(group.get(), place, "fitness", {n}, fitness);
  WriteDataset(group.get(), place, "document_loss", {n, d}, doc_loss);
  WriteDataset(group.get(), place, "document_weight", {n, d}, doc_weight);
  WriteDataset(group.get(), place, "origin", {n}, origin);
  WriteDataset(group.get(), place, "parents", {n, 2}, parents);
  WriteDataset(group.get(), place, "evaluated", {n}, evaluated);
  WriteDataset(group.get(), place, "rng_stream", {n}, streams);
  WriteDataset(group.get(), place, "rng_counter", {n}, counters);
  SetScalarAttribute<int64_t>(group.get(), place, "generation", record.generation);
  SetScalarAttribute<uint64_t>(group.get(), place, "rng_seed", record.rng_seed);
  SetScalarAttribute<double>(group.get(), place, "wall_time_s", record.wall_time_s);
}

GenerationRecord ReadGeneration(hid_t parent, const std::string& path, const std::string& name,
                                int num_factors, int num_documents) {
  Id group(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), H5Gclose);
  const Place place{path, "/generations/" + name};
  Check(group.ok(), "{}: cannot open group", place.Where(""));
  GenerationRecord record;
  record.generation = GetScalarAttribute<int64_t>(group.get(), place, "generation");
  record.rng_seed = GetScalarAttribute<uint64_t>(group.get(), place, "rng_seed");
  record.wall_time_s = GetScalarAttribute<double>(group.get(), place, "wall_time_s");
  const std::vector<hsize_t> shape = DatasetDims(group.get(), place, "n_hat");
  Check(shape.size() == 1, "{}: n_hat is not 1-D", place.Where(""));
  const hsize_t n = shape[0], f = num_factors, d = num_documents;
  const auto grid = ReadDataset<int64_t>(group.get(), place, "grid", {n, f});
  const auto n_hat = ReadDataset<int32_t>(group.get(), place, "n_hat", {n});
  const auto fitness = ReadDataset<double>(group.get(), place, "fitness", {n});
  const auto doc_loss = ReadDataset<double>(group.get(), place, "document_loss", {n, d});
  const auto doc_weight = ReadDataset<double>(group.get(), place, "document_weight", {n, d});
  const auto origin = ReadDataset<int32_t>(group.get(), place, "origin", {n});
  const auto parents = ReadDataset<int32_t>(group.get(), place, "parents", {n, 2});
  const auto evaluated = ReadDataset<int32_t>(group.get(), place, "evaluated", {n});
  const auto streams = ReadDataset<uint64_t>(group.get(), place, "rng_stream", {n});
  const auto counters = ReadDataset<uint64_t>(group.get(), place, "rng_counter", {n});
  record.members.resize(n);
  for (hsize_t i = 0; i < n; ++i) {
    Member& m = record.members[i];
    m.candidate.grid.assign(grid.begin() + i * f, grid.begin() + (i + 1) * f);
    m.candidate.n_hat = n_hat[i];
    m.fitness = fitness[i];
    m.document_loss.assign(doc_loss.begin() + i * d, doc_loss.begin() + (i + 1) * d);
    m.document_weight.assign(doc_weight.begin() + i * d, doc_weight.begin() + (i + 1) * d);
    Check(origin[i] >= 0 && origin[i] <= 3, "{}: bad origin {}", place.Where("origin"), origin[i]);
    m.origin = static_cast<Origin>(origin[i]);
    m.parent1 = parents[2 * i];
    m.parent2 = parents[2 * i + 1];
    m.evaluated_here = evaluated[i] != 0;
    m.rng_stream = streams[i];
    m.rng_counter = counters[i];
  }
  return record;
}

}  // namespace

void SaveSearchLog(const std::string& path, const SearchLog& log) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  WriteAtomically(path, [&](const std::string& temporary) {
    Id file(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    Check(file.ok(), "{}: cannot create the search log{}", temporary, StorageCause(errno));
    const Place root{path, ""};
    const SearchLogHeader& h = log.header;
    SetStringAttribute(file.get(), root, "format", kSearchLogFormat);
    SetScalarAttribute<int64_t>(file.get(), root, "format_version", kSearchLogVersion);
    SetStringAttribute(file.get(), root, "command_line", h.command_line);
    SetStringAttribute(file.get(), root, "version", h.version);
    SetStringAttribute(file.get(), root, "git_hash", h.git_hash);
    SetStringAttribute(file.get(), root, "time_utc", h.time_utc);
    SetScalarAttribute<int64_t>(file.get(), root, "ranks", h.ranks);
    SetStringAttribute(file.get(), root, "model_path", h.model_path);
    SetStringAttribute(file.get(), root, "model_hash", h.model_hash);
    SetStringAttribute(file.get(), root, "settings_json", h.settings_json);
    SetScalarAttribute<int64_t>(file.get(), root, "complete_generations",
                                static_cast<int64_t>(log.generations.size()));
    WriteDocuments(file.get(), path, h.documents);
    Id generations(H5Gcreate2(file.get(), "generations", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   H5Gclose);
    Check(generations.ok(), "{}: cannot create /generations", path);
    for (const GenerationRecord& record : log.generations) {
      WriteGeneration(generations.get(), path, record, static_cast<int>(h.documents.size()));
    }
    Check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL) >= 0, "{}: cannot flush{}", temporary,
          StorageCause(errno));
  });
}

SearchLog LoadSearchLog(const std::string& path, int num_factors) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Check(std::filesystem::exists(path), "{}: search log not found", path);
  Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  Check(file.ok(), "{}: not a readable HDF5 file", path);
  const Place root{path, ""};
  // The format first, before any other attribute: a checkpoint or another HDF5 file must read
  // as "not a search log", whatever kind its 'format' attribute is.
  std::string format;
  if (H5Aexists(file.get(), "format") > 0) {
    Id attribute(H5Aopen(file.get(), "format", H5P_DEFAULT), H5Aclose);
    Id type(H5Aget_type(attribute.get()), H5Tclose);
    if (H5Tget_class(type.get()) == H5T_STRING && H5Tis_variable_str(type.get()) == 0) {
      format = GetStringAttribute(file.get(), root, "format");
    }
  }
  Check(format == kSearchLogFormat, "{}: not a ropescale search log (attribute 'format' {})", path,
        format.empty() ? std::string("missing or not a search log's") : "'" + format + "'");
  const int64_t version = GetScalarAttribute<int64_t>(file.get(), root, "format_version");
  Check(version == kSearchLogVersion, "{}: search log format_version {} (expected {})", path,
        version, kSearchLogVersion);
  SearchLog log;
  SearchLogHeader& h = log.header;
  h.command_line = GetStringAttribute(file.get(), root, "command_line");
  h.version = GetStringAttribute(file.get(), root, "version");
  h.git_hash = GetStringAttribute(file.get(), root, "git_hash");
  h.time_utc = GetStringAttribute(file.get(), root, "time_utc");
  h.ranks = GetScalarAttribute<int64_t>(file.get(), root, "ranks");
  h.model_path = GetStringAttribute(file.get(), root, "model_path");
  h.model_hash = GetStringAttribute(file.get(), root, "model_hash");
  h.settings_json = GetStringAttribute(file.get(), root, "settings_json");
  h.documents = ReadDocuments(file.get(), path);
  const int64_t complete = GetScalarAttribute<int64_t>(file.get(), root, "complete_generations");
  Id generations(H5Gopen2(file.get(), "generations", H5P_DEFAULT), H5Gclose);
  Check(generations.ok(), "{}: /generations: missing group", path);
  for (int64_t g = 0; g < complete; ++g) {
    const std::string name = GenerationName(g);
    Check(H5Lexists(generations.get(), name.c_str(), H5P_DEFAULT) > 0,
          "{}: /generations/{}: missing group", path, name);
    log.generations.push_back(ReadGeneration(generations.get(), path, name, num_factors,
                                             static_cast<int>(h.documents.size())));
    Check(log.generations.back().generation == g, "{}: /generations/{}: wrong generation number",
          path, name);
  }
  return log;
}

std::string FileHash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  Check(in.good(), "{}: cannot read the file to hash it", path);
  uint64_t hash = 0xcbf29ce484222325ull;
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof(buffer));
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      hash ^= static_cast<unsigned char>(buffer[i]);
      hash *= 0x100000001b3ull;
    }
  }
  return fmt::format("fnv1a64:{:016x}", hash);
}

}  // namespace ropescale::search
