#include "src/search/search_runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "src/core/error.h"
#include "src/dist/communicator.h"

namespace ropescale::search {
namespace {

// A cheap synthetic fitness: squared distance of the factors from a document-dependent target
// profile, so the search has something to find.
LossSums Synthetic(const SearchSpace& space, const Candidate& c, int document) {
  double loss = 0;
  for (int i = 0; i < space.num_factors; ++i) {
    const double target = 1.0 + 0.4 * i + 0.05 * document;
    const double diff = space.Factor(c.grid[i]) - target;
    loss += diff * diff;
  }
  return {loss + 0.01 * c.n_hat, 1.0};
}

SearchRunSettings Settings(const std::string& log_path) {
  SearchSpaceOptions options;
  options.num_factors = 8;
  options.scale = 4.0;
  options.grid_step = 0.05;
  options.n_hat_grid = {0, 2, 4};
  SearchRunSettings settings;
  settings.space = MakeSearchSpace(options);
  settings.evolution.population = 12;
  settings.evolution.parents = 6;
  settings.evolution.mutations = 4;
  settings.evolution.crossovers = 4;
  settings.seed = 17;
  settings.generations = 8;
  settings.log_path = log_path;
  settings.header.settings_json = R"({"test":1})";
  settings.header.model_hash = "fnv1a64:0";
  settings.header.documents.resize(3, {{1, 2}, {2, -1}, {1, 0}});
  return settings;
}

// One process: this test scores everything itself.
std::unique_ptr<dist::Communicator> Serial() { return dist::MakeSingleProcessCommunicator(); }

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "-" + std::to_string(::getpid()) + ".h5"))
      .string();
}

TEST(RunSearch, ImprovesAndNeverLosesTheBest) {
  const SearchRunSettings settings = Settings("");
  const auto scorer = [&](const Candidate& c, int d) { return Synthetic(settings.space, c, d); };
  const auto seeds = std::vector<Candidate>{settings.space.Snap(std::vector<double>(8, 4.0))};
  const SearchOutcome outcome = RunSearch(*Serial(), settings, seeds, scorer);
  ASSERT_EQ(outcome.log.generations.size(), 9u);
  EXPECT_FALSE(outcome.stopped_early);
  double previous_best = INFINITY;
  for (const auto& record : outcome.log.generations) {
    double best = INFINITY;
    for (const Member& m : record.members) best = std::min(best, m.fitness);
    EXPECT_LE(best, previous_best);
    previous_best = best;
  }
  EXPECT_EQ(outcome.best.fitness, previous_best);
  EXPECT_LT(outcome.best.fitness, outcome.log.generations[0].members[0].fitness);
}

TEST(RunSearch, StopAndResumeEndsExactlyLikeAnUninterruptedRun) {
  const std::string full_path = TempPath("runner-full");
  const std::string resumed_path = TempPath("runner-resumed");
  SearchRunSettings full = Settings(full_path);
  const auto scorer = [&](const Candidate& c, int d) { return Synthetic(full.space, c, d); };
  const auto seeds = std::vector<Candidate>{full.space.Snap(std::vector<double>(8, 4.0))};
  const SearchOutcome reference = RunSearch(*Serial(), full, seeds, scorer);

  SearchRunSettings first = Settings(resumed_path);
  first.stop_after_generation = 3;
  first.resume = true;  // no log yet: starts fresh
  const SearchOutcome stopped = RunSearch(*Serial(), first, seeds, scorer);
  EXPECT_TRUE(stopped.stopped_early);
  EXPECT_EQ(stopped.last_generation, 3);
  EXPECT_EQ(LoadSearchLog(resumed_path, 8).generations.size(), 4u);

  SearchRunSettings second = Settings(resumed_path);
  second.resume = true;
  const SearchOutcome resumed = RunSearch(*Serial(), second, seeds, scorer);
  EXPECT_EQ(resumed.best.candidate, reference.best.candidate);
  EXPECT_EQ(resumed.best.fitness, reference.best.fitness);
  const SearchLog a = LoadSearchLog(full_path, 8), b = LoadSearchLog(resumed_path, 8);
  ASSERT_EQ(a.generations.size(), b.generations.size());
  for (size_t g = 0; g < a.generations.size(); ++g) {
    ASSERT_EQ(a.generations[g].members.size(), b.generations[g].members.size());
    for (size_t i = 0; i < a.generations[g].members.size(); ++i) {
      EXPECT_EQ(a.generations[g].members[i].candidate, b.generations[g].members[i].candidate);
      EXPECT_EQ(a.generations[g].members[i].fitness, b.generations[g].members[i].fitness);
    }
  }

  // A log of other settings is refused.
  SearchRunSettings other = Settings(resumed_path);
  other.resume = true;
  other.header.settings_json = R"({"test":2})";
  EXPECT_THROW(RunSearch(*Serial(), other, seeds, scorer), Error);
  // So is one of another model, or of other documents.
  SearchRunSettings other_model = Settings(resumed_path);
  other_model.resume = true;
  other_model.header.model_hash = "fnv1a64:1";
  EXPECT_THROW(RunSearch(*Serial(), other_model, seeds, scorer), Error);
  SearchRunSettings other_documents = Settings(resumed_path);
  other_documents.resume = true;
  other_documents.header.documents[1].tokens = {3, 4};
  EXPECT_THROW(RunSearch(*Serial(), other_documents, seeds, scorer), Error);
  std::filesystem::remove(full_path);
  std::filesystem::remove(resumed_path);
}

TEST(RunSearch, ResumeRefusesAStoredCandidateOutsideTheSpace) {
  const std::string path = TempPath("runner-tampered");
  SearchRunSettings first = Settings(path);
  first.stop_after_generation = 1;
  const auto scorer = [&](const Candidate& c, int d) { return Synthetic(first.space, c, d); };
  const auto seeds = std::vector<Candidate>{first.space.Snap(std::vector<double>(8, 4.0))};
  RunSearch(*Serial(), first, seeds, scorer);
  // A damaged or edited log: one grid index far below the space's bounds.
  SearchLog log = LoadSearchLog(path, 8);
  log.generations[1].members[2].candidate.grid[0] = -1000;
  SaveSearchLog(path, log);
  SearchRunSettings resumed = Settings(path);
  resumed.resume = true;
  try {
    RunSearch(*Serial(), resumed, seeds, scorer);
    ADD_FAILURE() << "a candidate outside the space was resumed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("generation 1 member 2"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ropescale::search
