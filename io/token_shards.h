#pragma once
// A tokenized corpus in one HDF5 file ("ropescale-tokens", layout in io/README.md): every
// document's tokens back to back, the offsets where each starts, the documents' names, the
// tokenizer that made them and where they came from. A trainer reads it instead of re-tokenizing
// a folder of text files.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io/checkpoint.h"  // Provenance

namespace ropescale {

struct TokenShards {
  std::string tokenizer_name;          // e.g. "byte"
  int64_t vocab_size = 0;              // every token id is in [0, vocab_size)
  std::string tokenizer_identity;      // e.g. a hash of the tokenizer's files; "" = none
  std::vector<std::string> doc_names;  // D names
  std::vector<int64_t> doc_offsets;    // D + 1 offsets: document d = tokens[o[d], o[d+1])
  std::vector<int32_t> tokens;         // all documents, back to back
  std::string source;                  // what was tokenized (e.g. the input folder)
  Provenance provenance;

  int64_t NumDocuments() const { return static_cast<int64_t>(doc_names.size()); }
  int64_t NumTokens() const { return static_cast<int64_t>(tokens.size()); }
  // The tokens of document d (0 <= d < NumDocuments()).
  std::span<const int32_t> Document(int64_t d) const;
};

// The storage type of the token ids: "uint16" when vocab_size <= 65536, else "uint32".
const char* TokenStorageType(int64_t vocab_size);

// Checks the tokens against the layout (offsets, names, vocabulary) and writes PATH.tmp-<pid>,
// renamed over PATH; throws Error naming the file and the object that is wrong.
void WriteTokenShards(const std::string& path, const TokenShards& shards);
// Reads and validates a token-shard file; throws Error naming the file and the object for a
// missing, truncated, non-HDF5 or inconsistent file (format, offsets, names, token ids, dtype).
TokenShards ReadTokenShards(const std::string& path);
// True when `path` is an existing regular file whose HDF5 root has format = "ropescale-tokens"
// (never throws), so a caller can accept either a shard file or a folder of text files.
bool IsTokenShardFile(const std::string& path);

}  // namespace ropescale
