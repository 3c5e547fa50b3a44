#pragma once
// Shared by the MPI search tests: a log path every rank agrees on, the bit-exact comparison of
// two search logs, and a distributed search checked against a serial reference.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "src/dist/communicator.h"
#include "src/dist/world.h"
#include "src/search/search_log.h"
#include "src/search/search_runner.h"
#include "tests/search/search_test_documents.h"

namespace ropescale::search {

// A temporary log path chosen by rank 0 and broadcast to every rank.
inline std::string SharedLogPath(dist::Communicator& world, const std::string& stem) {
  std::string path;
  if (world.IsRoot()) {
    path =
        (std::filesystem::temp_directory_path() / (stem + "-" + std::to_string(::getpid()) + ".h5"))
            .string();
  }
  int64_t length = static_cast<int64_t>(path.size());
  world.Broadcast(HostView(std::span<int64_t>(&length, 1)), 0);
  path.resize(length);
  world.Broadcast({path.data(), length, DataType::kUint8}, 0);
  return path;
}

inline void ExpectSameLogs(const SearchLog& a, const SearchLog& b) {
  EXPECT_EQ(a.header.documents, b.header.documents);
  ASSERT_EQ(a.generations.size(), b.generations.size());
  for (size_t g = 0; g < a.generations.size(); ++g) {
    const auto& ma = a.generations[g].members;
    const auto& mb = b.generations[g].members;
    ASSERT_EQ(ma.size(), mb.size()) << "generation " << g;
    for (size_t i = 0; i < ma.size(); ++i) {
      EXPECT_EQ(ma[i].candidate, mb[i].candidate) << g << "/" << i;
      EXPECT_EQ(ma[i].origin, mb[i].origin);
      EXPECT_EQ(ma[i].parent1, mb[i].parent1);
      EXPECT_EQ(ma[i].parent2, mb[i].parent2);
      EXPECT_EQ(ma[i].rng_stream, mb[i].rng_stream);
      EXPECT_EQ(ma[i].rng_counter, mb[i].rng_counter);
      EXPECT_EQ(ma[i].evaluated_here, mb[i].evaluated_here);
      // Bit-identical, not approximately equal.
      EXPECT_EQ(ma[i].fitness, mb[i].fitness) << g << "/" << i;
      EXPECT_EQ(ma[i].document_loss, mb[i].document_loss);
      EXPECT_EQ(ma[i].document_weight, mb[i].document_weight);
    }
  }
}

// Runs the search over `world` (rank 0 logging to a temporary file) and alone on this rank (the
// serial reference); expects the outcome, every rank's log and the file to be bit-identical.
// Returns the distributed outcome.
inline SearchOutcome ExpectDistributedEqualsSerial(dist::Communicator& world,
                                                   const SearchRunSettings& settings,
                                                   const std::vector<Candidate>& seeds,
                                                   const Scorer& scorer, const std::string& stem) {
  SearchRunSettings distributed = settings;
  distributed.log_path = SharedLogPath(world, stem);
  const SearchOutcome parallel = RunSearch(world, distributed, seeds, scorer);
  // The serial reference: this rank alone scores everything (and writes no log).
  const SearchOutcome reference =
      RunSearch(*dist::MakeSingleProcessCommunicator(), settings, seeds, scorer);
  EXPECT_EQ(parallel.best.candidate, reference.best.candidate);
  EXPECT_EQ(parallel.best.fitness, reference.best.fitness);
  ExpectSameLogs(parallel.log, reference.log);
  world.Barrier();
  // What rank 0 wrote is what every rank computed alone.
  ExpectSameLogs(LoadSearchLog(distributed.log_path, settings.space.num_factors), reference.log);
  world.Barrier();
  if (world.IsRoot()) std::filesystem::remove(distributed.log_path);
  return parallel;
}

}  // namespace ropescale::search
