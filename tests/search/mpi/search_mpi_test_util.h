#pragma once
// Shared by the MPI search tests: random evaluation documents, a log path every rank agrees on,
// and the bit-exact comparison of two search logs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "src/core/rng.h"
#include "src/dist/communicator.h"
#include "src/search/search_log.h"

namespace ropescale::search {

// `count` documents of `length` random tokens of a 64-token vocabulary; the last `scored`
// predictions carry weight 1.
inline std::vector<EvaluationDocument> RandomDocuments(int count, int length, int scored = 4) {
  std::vector<EvaluationDocument> docs(count);
  for (int d = 0; d < count; ++d) {
    CounterRng rng(99, static_cast<uint64_t>(d));
    for (int t = 0; t < length; ++t) docs[d].tokens.push_back(static_cast<int32_t>(rng.Below(64)));
    for (int t = 0; t + 1 < length; ++t) docs[d].targets.push_back(docs[d].tokens[t + 1]);
    docs[d].targets.push_back(-1);
    docs[d].loss_weights.assign(length, 0.0f);
    for (int t = length - 1 - scored; t < length - 1; ++t) docs[d].loss_weights[t] = 1.0f;
  }
  return docs;
}

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

}  // namespace ropescale::search
