// WriteTokenShards / ReadTokenShards: the tokenized-corpus HDF5 file (layout in io/README.md).
#include "io/token_shards.h"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "io/hdf5_util.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"

namespace ropescale {
namespace {

constexpr const char* kFormat = "ropescale-tokens";
constexpr int64_t kFormatVersion = 1;
constexpr int64_t kMaxUint16Vocab = 65536;
// Tokens are int32 in memory: every id must fit, and a uint32 id beyond the int32 range (which
// HDF5 clamps to the int32 maximum when reading) must still fail the vocabulary check.
constexpr int64_t kMaxVocab = std::numeric_limits<int32_t>::max();
constexpr int kDeflateLevel = 1;

// The document holding token index `index` (offsets already checked to be non-decreasing).
int64_t DocumentOf(const std::vector<int64_t>& offsets, int64_t index) {
  const auto it = std::upper_bound(offsets.begin(), offsets.end(), index);
  return static_cast<int64_t>(it - offsets.begin()) - 1;
}

// Everything a file must satisfy beyond its HDF5 types; `file` names it in every message.
void Validate(const TokenShards& s, const std::string& file) {
  Check(!s.tokenizer_name.empty(), "{}: /tokenizer: attribute 'name' is empty", file);
  Check(s.vocab_size >= 1 && s.vocab_size <= kMaxVocab,
        "{}: /tokenizer: attribute 'vocab_size' = {} is outside [1, {}]", file, s.vocab_size,
        kMaxVocab);
  const size_t num_documents = s.doc_names.size();
  Check(s.doc_offsets.size() == num_documents + 1,
        "{}: /doc_offsets: holds {} offsets but /doc_names has {} documents (expected {})", file,
        s.doc_offsets.size(), num_documents, num_documents + 1);
  Check(s.doc_offsets.front() == 0, "{}: /doc_offsets: starts at {}, expected 0", file,
        s.doc_offsets.front());
  for (size_t d = 0; d < num_documents; ++d) {
    Check(s.doc_offsets[d + 1] >= s.doc_offsets[d],
          "{}: /doc_offsets: decreases at document {} ('{}'): {} then {}", file, d, s.doc_names[d],
          s.doc_offsets[d], s.doc_offsets[d + 1]);
  }
  Check(s.doc_offsets.back() == s.NumTokens(),
        "{}: /doc_offsets: ends at {} but /tokens holds {} tokens", file, s.doc_offsets.back(),
        s.NumTokens());
  const int64_t vocab = s.vocab_size;
  const auto bad = std::find_if(s.tokens.begin(), s.tokens.end(),
                                [vocab](int32_t t) { return t < 0 || t >= vocab; });
  if (bad != s.tokens.end()) {
    const int64_t index = bad - s.tokens.begin();
    const int64_t document = DocumentOf(s.doc_offsets, index);
    Fail("{}: /tokens: token id {} at index {} (document '{}') is outside the vocabulary [0, {})",
         file, *bad, index, s.doc_names[static_cast<size_t>(document)], vocab);
  }
}

void WriteAll(const std::string& path, const TokenShards& s) {
  const h5::Object root = h5::CreateFile(path);
  root.SetString("format", kFormat);
  root.SetInt("format_version", kFormatVersion);
  {
    const h5::Object tokenizer = root.CreateGroup("tokenizer");
    tokenizer.SetString("name", s.tokenizer_name);
    tokenizer.SetInt("vocab_size", s.vocab_size);
    if (!s.tokenizer_identity.empty()) tokenizer.SetString("identity", s.tokenizer_identity);
  }
  root.WriteInt32As("tokens", s.tokens,
                    s.vocab_size <= kMaxUint16Vocab ? H5T_STD_U16LE : H5T_STD_U32LE, kDeflateLevel);
  root.WriteInt64("doc_offsets", s.doc_offsets);
  root.WriteStrings("doc_names", s.doc_names);
  {
    const h5::Object provenance = root.CreateGroup("provenance");
    provenance.SetString("command_line", s.provenance.command_line);
    provenance.SetString("version", s.provenance.version);
    provenance.SetString("git_hash", s.provenance.git_hash);
    provenance.SetString("time_utc", s.provenance.time_utc);
    provenance.SetString("source", s.source);
    provenance.SetInt("num_documents", s.NumDocuments());
    provenance.SetInt("num_tokens", s.NumTokens());
  }
  root.Flush();
}

void ReadProvenance(const h5::Object& root, TokenShards& s) {
  if (!root.HasChild("provenance")) return;
  const h5::Object group = root.OpenGroup("provenance");
  s.provenance.command_line = group.GetOptionalString("command_line").value_or("");
  s.provenance.version = group.GetOptionalString("version").value_or("");
  s.provenance.git_hash = group.GetOptionalString("git_hash").value_or("");
  s.provenance.time_utc = group.GetOptionalString("time_utc").value_or("");
  s.source = group.GetOptionalString("source").value_or("");
  if (group.HasAttribute("num_documents")) {
    const int64_t recorded = group.GetInt("num_documents");
    Check(recorded == s.NumDocuments(),
          "{}: attribute 'num_documents' = {} but /doc_names has {} documents", group.Where(),
          recorded, s.NumDocuments());
  }
  if (group.HasAttribute("num_tokens")) {
    const int64_t recorded = group.GetInt("num_tokens");
    Check(recorded == s.NumTokens(), "{}: attribute 'num_tokens' = {} but /tokens holds {}",
          group.Where(), recorded, s.NumTokens());
  }
}

}  // namespace

std::span<const int32_t> TokenShards::Document(int64_t d) const {
  Check(d >= 0 && d < NumDocuments() && doc_offsets.size() == doc_names.size() + 1,
        "token shards: document {} out of range [0, {})", d, NumDocuments());
  const size_t begin = static_cast<size_t>(doc_offsets[static_cast<size_t>(d)]);
  const size_t end = static_cast<size_t>(doc_offsets[static_cast<size_t>(d) + 1]);
  return std::span<const int32_t>(tokens).subspan(begin, end - begin);
}

const char* TokenStorageType(int64_t vocab_size) {
  return vocab_size <= kMaxUint16Vocab ? "uint16" : "uint32";
}

void WriteTokenShards(const std::string& path, const TokenShards& shards) {
  try {
    Validate(shards, path);
  } catch (const Error& e) {
    Fail("refusing to write invalid token shards: {}", e.what());
  }
  WriteAtomically(path, [&](const std::string& temporary) { WriteAll(temporary, shards); });
}

TokenShards ReadTokenShards(const std::string& path) {
  const h5::Object root = h5::OpenFileReadOnly(path);
  h5::CheckFormat(root, kFormat, kFormatVersion);

  TokenShards s;
  {
    const h5::Object tokenizer = root.OpenGroup("tokenizer");
    s.tokenizer_name = tokenizer.GetString("name");
    s.vocab_size = tokenizer.GetInt("vocab_size");
    s.tokenizer_identity = tokenizer.GetOptionalString("identity").value_or("");
  }
  const std::string dtype = root.DatasetType("tokens");
  Check(dtype == "uint16" || dtype == "uint32", "{}: dataset is {}, expected uint16 or uint32",
        root.Where("tokens"), dtype);
  s.doc_offsets = root.ReadInt64("doc_offsets");
  s.doc_names = root.ReadStrings("doc_names");
  s.tokens = root.ReadInt32("tokens");
  Validate(s, path);
  ReadProvenance(root, s);
  return s;
}

bool IsTokenShardFile(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return false;
  try {
    const h5::Object root = h5::OpenFileReadOnly(path);
    return root.HasAttribute("format") && root.GetString("format") == kFormat;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace ropescale
