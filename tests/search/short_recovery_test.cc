#include "src/search/short_recovery.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "src/core/error.h"
#include "src/eval/perplexity.h"
#include "src/search/factor_file.h"
#include "tests/search/search_test_documents.h"
#include "tests/search/search_test_model.h"
#include "tests/support/tiny_model.h"

namespace ropescale::search {
namespace {

// The search test model (8 frequencies, window 16) extended 3x by longrope factors, with
// deliberately heavy short factors.
RopeSpec ExtendedRope() {
  RopeSpec rope = SearchTestConfig().rope;
  rope.kind = RopeKind::kLongRope;
  rope.original_max_position_embeddings = 16;
  rope.max_position_embeddings = 48;
  rope.factor = 3.0;
  rope.long_factor = {1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 3.5, 4.25};
  rope.short_factor.assign(8, 3.0);
  return rope;
}

TEST(SearchedFactors, NamesRoundTripAndUnknownNamesFail) {
  EXPECT_EQ(ParseSearchedFactors("long"), SearchedFactors::kLong);
  EXPECT_EQ(ParseSearchedFactors("short"), SearchedFactors::kShort);
  EXPECT_EQ(SearchedFactorsName(SearchedFactors::kShort), "short");
  EXPECT_EQ(SearchedFactorsName(SearchedFactors::kLong), "long");
  EXPECT_THROW(ParseSearchedFactors("both"), Error);
}

TEST(ShortRecovery, NeedsAnExtendedLongRopeModel) {
  EXPECT_NO_THROW(CheckShortRecoveryModel(ExtendedRope(), "m.h5"));
  try {
    CheckShortRecoveryModel(SearchTestConfig().rope, "base.h5");
    FAIL() << "a default RoPE was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("base.h5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'default'"), std::string::npos) << e.what();
  }
  RopeSpec no_long = ExtendedRope();
  no_long.long_factor.clear();
  EXPECT_THROW(CheckShortRecoveryModel(no_long, "m.h5"), Error);
  RopeSpec with_n_hat = ExtendedRope();
  with_n_hat.n_hat = 4;
  EXPECT_THROW(CheckShortRecoveryModel(with_n_hat, "m.h5"), Error);
}

TEST(ShortRecovery, SpaceSpansOneToTheLargestLongFactor) {
  const RopeSpec rope = ExtendedRope();
  EXPECT_DOUBLE_EQ(DefaultShortMaxScale(rope), 4.25);  // above s = 3
  const SearchSpace space = ShortFactorSpace(rope, 0.0, 0.01);
  EXPECT_EQ(space.num_factors, 8);
  EXPECT_EQ(space.n_hat_grid, std::vector<int>{0});
  EXPECT_EQ(space.lower, std::vector<int64_t>(8, 100));
  EXPECT_EQ(space.upper, std::vector<int64_t>(8, 425));
  RopeSpec flat = rope;
  flat.long_factor.assign(8, 2.0);
  EXPECT_DOUBLE_EQ(DefaultShortMaxScale(flat), 3.0);  // s = M / L when larger
  EXPECT_EQ(ShortFactorSpace(rope, 2.0, 0.1).upper, std::vector<int64_t>(8, 20));
  EXPECT_THROW(ShortFactorSpace(rope, 0.5, 0.01), Error);  // below 1
}

TEST(ShortRecovery, SeedsAreOnesTheModelsShortAndItsLongFactors) {
  RopeSpec rope = ExtendedRope();
  const SearchSpace space = ShortFactorSpace(rope, 4.0, 0.01);
  std::vector<Candidate> seeds = ShortFactorSeeds(space, rope);
  ASSERT_EQ(seeds.size(), 3u);
  EXPECT_EQ(space.Factors(seeds[0]), std::vector<double>(8, 1.0));
  EXPECT_EQ(space.Factors(seeds[1]), std::vector<double>(8, 3.0));
  // The long factors, clamped to S_max = 4.
  EXPECT_EQ(space.Factors(seeds[2]), (std::vector<double>{1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0}));
  for (const Candidate& c : seeds) EXPECT_TRUE(space.IsValid(c));
  rope.short_factor.clear();  // HF's default: ones, not seeded twice
  EXPECT_EQ(ShortFactorSeeds(space, rope).size(), 2u);
}

TEST(ShortRecovery, CandidateRopeChangesOnlyTheShortFactors) {
  RopeSpec rope = ExtendedRope();
  rope.attention_factor = 1.1;
  const SearchSpace space = ShortFactorSpace(rope, 0.0, 0.01);
  const Candidate c = space.Snap({1, 1, 1.1, 1.1, 1.3, 2, 2, 2.5});
  RopeSpec expected = rope;
  expected.short_factor = {1, 1, 1.1, 1.1, 1.3, 2, 2, 2.5};
  EXPECT_EQ(ShortCandidateRope(space, rope, c), expected);
  EXPECT_NO_THROW(ValidateRopeSpec(ShortCandidateRope(space, rope, c)));
}

// What the fitness of a short candidate sees: at lengths up to the original window the model
// runs on the short factors (the long ones do not matter), beyond it on the long ones.
TEST(ShortRecovery, ShortDocumentsScoreTheShortFactorsOnly) {
  ModelConfig config = SearchTestConfig();
  config.rope = ExtendedRope();
  auto backend = testing::TinyBackend(config, 7, 1);
  const SearchSpace space = ShortFactorSpace(config.rope, 0.0, 0.01);
  const Candidate ones = space.Snap(std::vector<double>(8, 1.0));
  const Candidate heavy = space.Snap(std::vector<double>(8, 4.0));
  RopeSpec other_long = config.rope;
  other_long.long_factor.assign(8, 2.0);

  const EvaluationDocument within = RandomDocuments(1, 16, 15)[0];
  const LossSums a = ScoreDocument(*backend, within, ShortCandidateRope(space, config.rope, ones));
  const LossSums b = ScoreDocument(*backend, within, ShortCandidateRope(space, other_long, ones));
  const LossSums c = ScoreDocument(*backend, within, ShortCandidateRope(space, config.rope, heavy));
  EXPECT_EQ(a.weighted_loss, b.weighted_loss);  // the long factors are not used
  EXPECT_NE(a.weighted_loss, c.weighted_loss);  // the short factors are

  const EvaluationDocument beyond = RandomDocuments(1, 17, 16)[0];
  EXPECT_EQ(
      ScoreDocument(*backend, beyond, ShortCandidateRope(space, config.rope, ones)).weighted_loss,
      ScoreDocument(*backend, beyond, ShortCandidateRope(space, config.rope, heavy)).weighted_loss);
}

// --init-factors with --factors short: a search's --out block seeds with its short factors.
TEST(ShortRecovery, FactorFilesGiveTheShortFactorsWhenAsked) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("ropescale-short-" + std::to_string(::getpid()) + ".json"))
                               .string();
  std::ofstream(path) << R"({"rope_type": "longrope", "long_factor": [4, 5], )"
                      << R"("short_factor": [1.5, 2]})";
  EXPECT_EQ(ReadFactorFile(path, "short_factor"), (std::vector<double>{1.5, 2}));
  EXPECT_EQ(ReadFactorFile(path), (std::vector<double>{4, 5}));
  std::ofstream(path) << R"({"rope_scaling": {"short_factor": [1, 3]}})";
  EXPECT_EQ(ReadFactorFile(path, "short_factor"), (std::vector<double>{1, 3}));
  try {
    ReadFactorFile(path);
    FAIL() << "a file without long_factor was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no long_factor"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ropescale::search
