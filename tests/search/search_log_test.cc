#include "src/search/search_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "src/core/error.h"

namespace ropescale::search {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "-" + std::to_string(::getpid()) + ".h5"))
      .string();
}

SearchLog SampleLog() {
  SearchLog log;
  log.header.command_line = "ropescale search --seed 3";
  log.header.version = "0.1.0";
  log.header.git_hash = "abc";
  log.header.time_utc = "2026-11-23T00:00:00Z";
  log.header.ranks = 4;
  log.header.model_path = "model.h5";
  log.header.model_hash = "fnv1a64:0123456789abcdef";
  log.header.settings_json = R"({"seed":3})";
  log.header.documents = {{{1, 2, 3}, {2, 3, -1}, {0, 1, 0}}, {{4, 5, 6}, {5, 6, -1}, {1, 1, 0}}};
  for (int g = 0; g < 2; ++g) {
    GenerationRecord record;
    record.generation = g;
    record.rng_seed = 3;
    record.wall_time_s = 0.25 * (g + 1);
    for (int i = 0; i < 3; ++i) {
      Member m;
      m.candidate.grid = {100 + i, 200 + g, 300};
      m.candidate.n_hat = i;
      m.origin = static_cast<Origin>(i);
      m.parent1 = i - 1;
      m.parent2 = g;
      m.rng_stream = 0x1234567890abcdefull + i;
      m.rng_counter = 17 * i;
      m.evaluated_here = i != 1;
      m.fitness = 1.0 / (3 + i + g);
      m.document_loss = {0.1 * i, 0.3};
      m.document_weight = {1.0, 2.0};
      record.members.push_back(m);
    }
    log.generations.push_back(record);
  }
  return log;
}

void ExpectSameMembers(const Member& a, const Member& b) {
  EXPECT_EQ(a.candidate, b.candidate);
  EXPECT_EQ(a.origin, b.origin);
  EXPECT_EQ(a.parent1, b.parent1);
  EXPECT_EQ(a.parent2, b.parent2);
  EXPECT_EQ(a.rng_stream, b.rng_stream);
  EXPECT_EQ(a.rng_counter, b.rng_counter);
  EXPECT_EQ(a.evaluated_here, b.evaluated_here);
  EXPECT_EQ(a.fitness, b.fitness);
  EXPECT_EQ(a.document_loss, b.document_loss);
  EXPECT_EQ(a.document_weight, b.document_weight);
}

TEST(SearchLog, RoundTripsEverything) {
  const std::string path = TempPath("search-log-roundtrip");
  const SearchLog log = SampleLog();
  SaveSearchLog(path, log);
  const SearchLog back = LoadSearchLog(path, 3);
  EXPECT_EQ(back.header.command_line, log.header.command_line);
  EXPECT_EQ(back.header.ranks, 4);
  EXPECT_EQ(back.header.model_hash, log.header.model_hash);
  EXPECT_EQ(back.header.settings_json, log.header.settings_json);
  EXPECT_EQ(back.header.documents, log.header.documents);
  ASSERT_EQ(back.generations.size(), 2u);
  for (int g = 0; g < 2; ++g) {
    EXPECT_EQ(back.generations[g].generation, g);
    EXPECT_EQ(back.generations[g].wall_time_s, log.generations[g].wall_time_s);
    ASSERT_EQ(back.generations[g].members.size(), 3u);
    for (int i = 0; i < 3; ++i) {
      ExpectSameMembers(back.generations[g].members[i], log.generations[g].members[i]);
    }
  }
  // Saving again replaces the file and leaves no temporary behind.
  SaveSearchLog(path, back);
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    EXPECT_EQ(entry.path().string().find(path + ".tmp"), std::string::npos);
  }
  std::filesystem::remove(path);
}

TEST(SearchLog, RejectsMissingCorruptAndWrongShapedFiles) {
  const std::string path = TempPath("search-log-bad");
  EXPECT_THROW(LoadSearchLog(path, 3), Error);
  { std::ofstream(path) << "not hdf5"; }
  EXPECT_THROW(LoadSearchLog(path, 3), Error);
  SaveSearchLog(path, SampleLog());
  EXPECT_THROW(LoadSearchLog(path, 4), Error);  // 4 factors expected, 3 stored
  // Truncated file.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  EXPECT_THROW(LoadSearchLog(path, 3), Error);
  std::filesystem::remove(path);
}

TEST(FileHash, DependsOnEveryByte) {
  const std::string path = TempPath("file-hash");
  { std::ofstream(path) << "abc"; }
  const std::string a = FileHash(path);
  { std::ofstream(path) << "abd"; }
  EXPECT_NE(a, FileHash(path));
  EXPECT_EQ(a.rfind("fnv1a64:", 0), 0u);
  std::filesystem::remove(path);
  // FNV-1a 64 of the empty input is the offset basis (published constant).
  { std::ofstream(path) << ""; }
  EXPECT_EQ(FileHash(path), "fnv1a64:cbf29ce484222325");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ropescale::search
