// Runs under mpiexec -n 1, 2 and 4: the distributed search must give bit-identical results to
// a serial reference that every rank computes alone.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "src/core/rng.h"
#include "src/dist/world.h"
#include "src/eval/perplexity.h"
#include "src/model/init_parameters.h"
#include "src/search/attention_scale.h"
#include "src/search/fitness.h"
#include "src/search/search_runner.h"
#include "tests/search/search_test_model.h"
#include "tests/support/tiny_model.h"

namespace ropescale::search {
namespace {

// All processes of the test job (mpi_gtest_main initialised MPI).
std::unique_ptr<dist::Communicator> World() { return dist::WorldCommunicator(); }

std::vector<EvaluationDocument> RandomDocuments(int count, int length) {
  std::vector<EvaluationDocument> docs(count);
  for (int d = 0; d < count; ++d) {
    CounterRng rng(99, static_cast<uint64_t>(d));
    for (int t = 0; t < length; ++t) docs[d].tokens.push_back(static_cast<int32_t>(rng.Below(64)));
    for (int t = 0; t + 1 < length; ++t) docs[d].targets.push_back(docs[d].tokens[t + 1]);
    docs[d].targets.push_back(-1);
    docs[d].loss_weights.assign(length, 0.0f);
    for (int t = length - 5; t < length - 1; ++t) docs[d].loss_weights[t] = 1.0f;
  }
  return docs;
}

void ExpectSameLogs(const SearchLog& a, const SearchLog& b) {
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

class TinyModelSearch : public ::testing::TestWithParam<SearchMethod> {};

TEST_P(TinyModelSearch, DistributedEqualsSerialOnEveryRank) {
  const auto world = World();
  const ModelConfig config = SearchTestConfig();
  auto backend = testing::TinyBackend(config, 5, 1);
  const int target = 48;

  SearchSpaceOptions space_options;
  space_options.method = GetParam();
  space_options.num_factors = 8;
  space_options.scale = 3.0;
  space_options.critical_index = 5;
  space_options.grid_step = 0.1;
  if (GetParam() == SearchMethod::kLongRope) space_options.n_hat_grid = {0, 2, 4};

  SearchRunSettings settings;
  settings.space = MakeSearchSpace(space_options);
  settings.evolution.population = 6;
  settings.evolution.parents = 3;
  settings.evolution.mutations = 2;
  settings.evolution.crossovers = 1;  // 3 new candidates a generation: fewer than 4 ranks
  settings.seed = 2026;
  settings.generations = 3;
  settings.header.settings_json = "{}";
  settings.header.documents = RandomDocuments(3, target);
  const CandidateRopeOptions rope_options{config.rope, target, std::nullopt};
  const auto scorer = [&](const Candidate& c, int d) {
    return ScoreDocument(*backend, settings.header.documents[d],
                         CandidateRope(settings.space, rope_options, c));
  };
  const std::vector<Candidate> seeds = {settings.space.Snap(std::vector<double>(8, 3.0)),
                                        settings.space.Snap({1, 1.2, 1.5, 2, 2.5, 3, 3, 3})};

  // The distributed run writes its log (rank 0) into a path every rank agrees on.
  std::string log_path;
  if (world->IsRoot()) {
    log_path = (std::filesystem::temp_directory_path() /
                ("ropescale-mpi-search-" + std::to_string(::getpid()) + ".h5"))
                   .string();
  }
  int64_t length = static_cast<int64_t>(log_path.size());
  world->Broadcast(HostView(std::span<int64_t>(&length, 1)), 0);
  log_path.resize(length);
  world->Broadcast({log_path.data(), length, DataType::kUint8}, 0);

  SearchRunSettings distributed = settings;
  distributed.log_path = log_path;
  const SearchOutcome parallel = RunSearch(*world, distributed, seeds, scorer);
  // The serial reference: this rank alone scores everything (and writes no log).
  const SearchOutcome reference =
      RunSearch(*dist::MakeSingleProcessCommunicator(), settings, seeds, scorer);

  EXPECT_EQ(parallel.best.candidate, reference.best.candidate);
  EXPECT_EQ(parallel.best.fitness, reference.best.fitness);
  ExpectSameLogs(parallel.log, reference.log);
  world->Barrier();
  // What rank 0 wrote is what every rank computed alone.
  ExpectSameLogs(LoadSearchLog(log_path, 8), reference.log);
  world->Barrier();
  if (world->IsRoot()) std::filesystem::remove(log_path);
}

INSTANTIATE_TEST_SUITE_P(BothMethods, TinyModelSearch,
                         ::testing::Values(SearchMethod::kLongRope, SearchMethod::kLongRope2));

// LongRoPE2's attention-scale search runs on the same machinery: the same bit-identity.
class TinyModelAttentionScaleSearch : public ::testing::TestWithParam<AttentionScaleKind> {};

TEST_P(TinyModelAttentionScaleSearch, DistributedEqualsSerialOnEveryRank) {
  const auto world = World();
  const ModelConfig config = SearchTestConfig();
  auto backend = testing::TinyBackend(config, 5, 1);
  const int target = 48;
  RopeSpec fixed = config.rope;
  fixed.kind = RopeKind::kLongRope;
  fixed.original_max_position_embeddings = 16;
  fixed.max_position_embeddings = target;
  fixed.factor = 3.0;
  fixed.long_factor = {1, 1.2, 1.5, 2, 2.5, 3, 3, 3};
  fixed.short_factor.assign(8, 1.0);
  fixed.attention_factor = 1.4;

  SearchRunSettings settings;
  settings.space = MakeAttentionScaleSpace({.kind = GetParam(),
                                            .num_frequencies = 8,
                                            .min_multiplier = 0.5,
                                            .max_multiplier = 1.5,
                                            .grid_step = 0.05});
  settings.evolution.population = 6;
  settings.evolution.parents = 3;
  settings.evolution.mutations = 2;
  settings.evolution.crossovers = 1;
  settings.seed = 77;
  settings.generations = 3;
  settings.header.settings_json = "{}";
  settings.header.documents = RandomDocuments(3, target);
  const auto scorer = [&](const Candidate& c, int d) {
    return ScoreDocument(*backend, settings.header.documents[d],
                         AttentionScaleRope(settings.space, GetParam(), fixed, c));
  };
  const std::vector<Candidate> seeds =
      AttentionScaleSeeds(settings.space, GetParam(), 1.4, {1.0}, {});

  const SearchOutcome parallel = RunSearch(*world, settings, seeds, scorer);
  const SearchOutcome reference =
      RunSearch(*dist::MakeSingleProcessCommunicator(), settings, seeds, scorer);
  EXPECT_EQ(parallel.best.candidate, reference.best.candidate);
  EXPECT_EQ(parallel.best.fitness, reference.best.fitness);
  ExpectSameLogs(parallel.log, reference.log);
  // Different multipliers were really scored (not one value repeated).
  std::set<double> fitness;
  for (const auto& record : reference.log.generations) {
    for (const auto& m : record.members) fitness.insert(m.fitness);
  }
  EXPECT_GT(fitness.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(BothKinds, TinyModelAttentionScaleSearch,
                         ::testing::Values(AttentionScaleKind::kScalar,
                                           AttentionScaleKind::kPerFrequency));

}  // namespace
}  // namespace ropescale::search
