#pragma once
// The HDF5 search log (layout in src/search/README.md): provenance, the evaluation documents,
// then one group per generation with every candidate, its fitness and per-document loss sums,
// its RNG stream and counter, and the wall time. Written by rank 0 only, with the serial HDF5
// API. Every save writes the whole log to PATH.tmp-<pid> and renames it over PATH, so a kill
// at any moment leaves the previous complete log readable.
#include <cstdint>
#include <string>
#include <vector>

#include "src/eval/evaluation_documents.h"
#include "src/search/evolution.h"

namespace ropescale::search {

inline constexpr const char* kSearchLogFormat = "ropescale-search-log";
inline constexpr int64_t kSearchLogVersion = 1;

struct SearchLogHeader {
  std::string command_line;
  std::string version;
  std::string git_hash;
  std::string time_utc;
  int64_t ranks = 1;
  std::string model_path;
  std::string model_hash;     // "fnv1a64:<16 hex digits>" of the checkpoint file's bytes
  std::string settings_json;  // every setting that fixes the result (compared on --resume)
  std::vector<EvaluationDocument> documents;
};

struct GenerationRecord {
  int64_t generation = 0;
  uint64_t rng_seed = 0;  // all draws of the generation: CounterRng(rng_seed, member.rng_stream)
  double wall_time_s = 0.0;
  std::vector<Member> members;  // with fitness and per-document sums
};

struct SearchLog {
  SearchLogHeader header;
  std::vector<GenerationRecord> generations;
};

// Throws Error naming the file on failure. A partial PATH.tmp-<pid> is removed.
void SaveSearchLog(const std::string& path, const SearchLog& log);
// Throws Error naming the file and the object for a missing, corrupt or foreign file.
SearchLog LoadSearchLog(const std::string& path, int num_factors);

// "fnv1a64:<hex>" of a file's bytes. Throws Error naming the file when it cannot be read.
std::string FileHash(const std::string& path);

}  // namespace ropescale::search
