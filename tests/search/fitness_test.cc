#include "src/search/fitness.h"

#include <gtest/gtest.h>

#include <cmath>

#include "src/core/rng.h"
#include "src/eval/perplexity.h"
#include "tests/search/search_test_model.h"
#include "tests/support/tiny_model.h"

namespace ropescale::search {
namespace {

EvaluationDocument RandomDocument(int length, uint64_t seed) {
  CounterRng rng(seed, 9);
  EvaluationDocument doc;
  for (int t = 0; t < length; ++t) doc.tokens.push_back(static_cast<int32_t>(rng.Below(64)));
  for (int t = 0; t + 1 < length; ++t) doc.targets.push_back(doc.tokens[t + 1]);
  doc.targets.push_back(-1);
  doc.loss_weights.assign(length, 0.0f);
  for (int t = length - 6; t < length - 1; ++t) doc.loss_weights[t] = 1.0f;  // "answer" tokens
  return doc;
}

SearchSpace Space() {
  SearchSpaceOptions options;
  options.method = SearchMethod::kLongRope2;
  options.num_factors = 8;
  options.scale = 4.0;
  options.critical_index = 5;
  return MakeSearchSpace(options);
}

TEST(CandidateRope, CarriesFactorsWindowsAndCriticalIndex) {
  const SearchSpace space = Space();
  CandidateRopeOptions options{SearchTestConfig().rope, 64, std::nullopt};
  const Candidate c = space.Snap({1, 1.5, 2, 2, 3, 4, 5, 8});
  const RopeSpec rope = CandidateRope(space, options, c);
  EXPECT_EQ(rope.kind, RopeKind::kLongRope2);
  EXPECT_EQ(rope.long_factor, (std::vector<double>{1, 1.5, 2, 2, 3, 4, 5, 8}));
  EXPECT_EQ(rope.short_factor, std::vector<double>(8, 1.0));
  EXPECT_EQ(rope.original_max_position_embeddings, 16);
  EXPECT_EQ(rope.max_position_embeddings, 64);
  EXPECT_DOUBLE_EQ(rope.factor, 4.0);
  EXPECT_EQ(rope.critical_index, 5);
  EXPECT_NO_THROW(ValidateRopeSpec(rope));
}

TEST(Fitness, EqualsTheWeightedTokenLossesOfADirectForward) {
  const ModelConfig config = SearchTestConfig();
  auto backend = testing::TinyBackend(config, 3, 1);
  const SearchSpace space = Space();
  const Candidate c = space.Snap({1, 1.5, 2, 2, 4, 4, 5, 8});
  const RopeSpec rope = CandidateRope(space, {config.rope, 64, std::nullopt}, c);
  const std::vector<EvaluationDocument> docs = {RandomDocument(64, 1), RandomDocument(64, 2)};

  std::vector<LossSums> sums;
  for (const auto& doc : docs) sums.push_back(ScoreDocument(*backend, doc, rope));
  const double fitness = FitnessFromSums(sums.data(), 2);

  // Direct: the hand-built spec, per-token losses, weighted by hand over the answer tokens.
  RopeSpec direct = config.rope;
  direct.kind = RopeKind::kLongRope2;
  direct.long_factor = {1, 1.5, 2, 2, 4, 4, 5, 8};
  direct.short_factor.assign(8, 1.0);
  direct.original_max_position_embeddings = 16;
  direct.max_position_embeddings = 64;
  direct.factor = 4.0;
  direct.critical_index = 5;
  double loss = 0, weight = 0;
  for (const auto& doc : docs) {
    Batch batch;
    batch.batch_size = 1;
    batch.seq_len = 64;
    batch.tokens = doc.tokens;
    batch.targets = doc.targets;
    batch.ropes = {direct};
    ForwardOptions options;
    options.want_token_losses = true;
    const ForwardOutput out = backend->Forward(batch, options);
    for (int t = 0; t < 64; ++t) {
      loss += out.token_losses[t] * doc.loss_weights[t];
      weight += doc.loss_weights[t];
    }
  }
  EXPECT_EQ(weight, 10.0);
  EXPECT_NEAR(fitness, loss / weight, 1e-5);

  // And the factors matter: another candidate gives another fitness.
  const Candidate other = space.Snap({1, 1, 1, 1, 4, 4, 4, 4});
  const RopeSpec other_rope = CandidateRope(space, {config.rope, 64, std::nullopt}, other);
  std::vector<LossSums> other_sums;
  for (const auto& doc : docs) other_sums.push_back(ScoreDocument(*backend, doc, other_rope));
  EXPECT_NE(FitnessFromSums(other_sums.data(), 2), fitness);
}

TEST(Fitness, SumsReduceInDocumentOrder) {
  const LossSums sums[] = {{3.0, 2.0}, {1.0, 1.0}, {0.5, 1.0}};
  EXPECT_DOUBLE_EQ(FitnessFromSums(sums, 3), 4.5 / 4.0);
  const LossSums empty[] = {{0.0, 0.0}};
  EXPECT_TRUE(std::isnan(FitnessFromSums(empty, 1)));
}

}  // namespace
}  // namespace ropescale::search
