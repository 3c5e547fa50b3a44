// LongRoPE2's attention-scale search: its space, candidate RoPEs and seeds, and a search on the
// shipped tiny model that must recover from a deliberately wrong attention factor. At its own
// window (s = 1) the model was trained with attention 1, so a start at 3 (every q.k logit x 9)
// is far from the known good scale.
#include "src/search/attention_scale.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "io/model_loader.h"
#include "io/tokenizer.h"
#include "src/core/error.h"
#include "src/dist/communicator.h"
#include "src/eval/corpus.h"
#include "src/eval/evaluation_documents.h"
#include "src/eval/perplexity.h"
#include "src/search/search_runner.h"

namespace ropescale::search {
namespace {

RopeSpec FixedLongRope(int frequencies, double attention) {
  RopeSpec rope;
  rope.kind = RopeKind::kLongRope;
  rope.head_dim = 2 * frequencies;
  rope.max_position_embeddings = 1024;
  rope.original_max_position_embeddings = 256;
  rope.factor = 4.0;
  rope.long_factor.assign(frequencies, 4.0);
  rope.short_factor.assign(frequencies, 1.0);
  rope.attention_factor = attention;
  return rope;
}

TEST(AttentionScale, KindNamesParseBack) {
  for (AttentionScaleKind kind : {AttentionScaleKind::kScalar, AttentionScaleKind::kPerFrequency}) {
    EXPECT_EQ(ParseAttentionScaleKind(AttentionScaleKindName(kind)), kind);
  }
  EXPECT_THROW(ParseAttentionScaleKind("mscale"), Error);
}

TEST(AttentionScale, SpaceHoldsOneOrOneMultiplierPerFrequencyAroundOne) {
  const SearchSpace scalar = MakeAttentionScaleSpace({.kind = AttentionScaleKind::kScalar,
                                                      .num_frequencies = 8,
                                                      .min_multiplier = 0.5,
                                                      .max_multiplier = 2.0,
                                                      .grid_step = 0.01});
  EXPECT_EQ(scalar.num_factors, 1);
  EXPECT_EQ(scalar.lower, std::vector<int64_t>{50});
  EXPECT_EQ(scalar.upper, std::vector<int64_t>{200});
  const SearchSpace per = MakeAttentionScaleSpace({.kind = AttentionScaleKind::kPerFrequency,
                                                   .num_frequencies = 8,
                                                   .min_multiplier = 0.25,
                                                   .max_multiplier = 1.5,
                                                   .grid_step = 0.05});
  EXPECT_EQ(per.num_factors, 8);
  EXPECT_EQ(per.lower, std::vector<int64_t>(8, 5));
  EXPECT_EQ(per.upper, std::vector<int64_t>(8, 30));
  // The start (1) must be inside, on the grid.
  EXPECT_THROW(MakeAttentionScaleSpace({.num_frequencies = 8, .min_multiplier = 1.1}), Error);
  EXPECT_THROW(MakeAttentionScaleSpace({.num_frequencies = 8, .max_multiplier = 0.9}), Error);
  EXPECT_THROW(MakeAttentionScaleSpace({.num_frequencies = 8, .min_multiplier = 0.0}), Error);
  EXPECT_THROW(MakeAttentionScaleSpace({.num_frequencies = 8, .grid_step = 0.3}), Error);
}

TEST(AttentionScale, CandidateRopeScalesTheStartAttentionOrEachFrequency) {
  const RopeSpec fixed = FixedLongRope(4, 1.2);
  const SearchSpace scalar = MakeAttentionScaleSpace({.num_frequencies = 4});
  const RopeSpec one =
      AttentionScaleRope(scalar, AttentionScaleKind::kScalar, fixed, scalar.Snap({1.5}));
  EXPECT_DOUBLE_EQ(*one.attention_factor, 1.8);
  EXPECT_TRUE(one.frequency_scale.empty());
  EXPECT_EQ(one.long_factor, fixed.long_factor);

  const SearchSpace per =
      MakeAttentionScaleSpace({.kind = AttentionScaleKind::kPerFrequency, .num_frequencies = 4});
  const RopeSpec each = AttentionScaleRope(per, AttentionScaleKind::kPerFrequency, fixed,
                                           per.Snap({0.7, 1.0, 1.0, 1.3}));
  EXPECT_EQ(*each.attention_factor, 1.2);
  EXPECT_EQ(each.frequency_scale, (std::vector<double>{0.7, 1.0, 1.0, 1.3}));

  RopeSpec no_start = fixed;
  no_start.attention_factor.reset();
  EXPECT_THROW(
      AttentionScaleRope(scalar, AttentionScaleKind::kScalar, no_start, scalar.Snap({1.0})), Error);
}

TEST(AttentionScale, SeedsStartAtOneThenTheOtherScalesSnappedAndDistinct) {
  const SearchSpace scalar = MakeAttentionScaleSpace({.num_frequencies = 4});
  // Start 1.25: HF's default 1.1 -> m 0.88; 1.0 -> m 0.8; 1.25 itself is the start again.
  const std::vector<Candidate> seeds =
      AttentionScaleSeeds(scalar, AttentionScaleKind::kScalar, 1.25, {1.1, 1.0, 1.25}, {});
  ASSERT_EQ(seeds.size(), 3u);
  EXPECT_EQ(scalar.Factors(seeds[0]), std::vector<double>{1.0});
  EXPECT_EQ(scalar.Factors(seeds[1]), std::vector<double>{0.88});
  EXPECT_EQ(scalar.Factors(seeds[2]), std::vector<double>{0.8});
  // Outside the range: clamped to its edge.
  EXPECT_EQ(
      scalar.Factors(AttentionScaleSeeds(scalar, AttentionScaleKind::kScalar, 5.0, {1.0}, {})[1]),
      std::vector<double>{0.5});

  const SearchSpace per =
      MakeAttentionScaleSpace({.kind = AttentionScaleKind::kPerFrequency, .num_frequencies = 4});
  const std::vector<Candidate> per_seeds = AttentionScaleSeeds(
      per, AttentionScaleKind::kPerFrequency, 1.25, {1.0}, {0.9, 1.0, 1.2, 1.2});
  ASSERT_EQ(per_seeds.size(), 2u);
  EXPECT_EQ(per.Factors(per_seeds[0]), std::vector<double>(4, 1.0));
  EXPECT_EQ(per.Factors(per_seeds[1]), (std::vector<double>{0.9, 1.0, 1.2, 1.2}));
}

// The shipped tiny model, scored at its own window of 256 tokens.
struct TinyModelSetup {
  Checkpoint checkpoint;
  std::unique_ptr<Backend> backend;
  std::vector<EvaluationDocument> documents;
};

TinyModelSetup LoadTinyModel(FitnessKind fitness) {
  TinyModelSetup setup;
  const std::string source = std::getenv("ROPESCALE_SOURCE_DIR");
  setup.checkpoint = LoadModel(source + "/data/tiny-llama.h5");
  setup.backend = CreateBackend(setup.checkpoint.config, {"cpu", 1, 0});
  setup.backend->SetParameters(setup.checkpoint.weights);
  const ByteTokenizer tokenizer;
  const Corpus corpus = ReadCorpus(source + "/data/corpus/heldout", tokenizer);
  setup.documents = BuildEvaluationDocuments(fitness, corpus, 4, 256, 7, tokenizer);
  return setup;
}

// A search that starts from attention 3 (m = 1 is the only seed) with multipliers in
// [0.1, 1] (attention 0.3 .. 3).
SearchOutcome SearchFromAWrongStart(AttentionScaleKind kind, FitnessKind fitness, RopeSpec& fixed) {
  TinyModelSetup setup = LoadTinyModel(fitness);
  const int frequencies = setup.checkpoint.config.rope.rotary_dim() / 2;
  fixed = setup.checkpoint.config.rope;
  fixed.kind = RopeKind::kLongRope;
  fixed.original_max_position_embeddings = 256;
  fixed.max_position_embeddings = 256;
  fixed.factor = 1.0;
  fixed.long_factor.assign(frequencies, 1.0);
  fixed.attention_factor = 3.0;
  SearchRunSettings run;
  run.space = MakeAttentionScaleSpace({.kind = kind,
                                       .num_frequencies = frequencies,
                                       .min_multiplier = 0.1,
                                       .max_multiplier = 1.0,
                                       .grid_step = 0.01});
  run.evolution.population = 8;
  run.evolution.parents = 4;
  run.evolution.mutations = 2;
  run.evolution.crossovers = 2;
  run.seed = 5;
  run.generations = 3;
  run.header.documents = setup.documents;
  const auto scorer = [&](const Candidate& c, int d) {
    return ScoreDocument(*setup.backend, run.header.documents[d],
                         AttentionScaleRope(run.space, kind, fixed, c));
  };
  const std::vector<Candidate> seeds = AttentionScaleSeeds(run.space, kind, 3.0, {}, {});
  EXPECT_EQ(seeds.size(), 1u);
  return RunSearch(*dist::MakeSingleProcessCommunicator(), run, seeds, scorer);
}

TEST(AttentionScaleSearch, ScalarRecoversFromAWrongAttentionFactorOnNeedleFitness) {
  if (std::getenv("ROPESCALE_SOURCE_DIR") == nullptr) GTEST_SKIP() << "no ROPESCALE_SOURCE_DIR";
  RopeSpec fixed;
  const SearchOutcome outcome =
      SearchFromAWrongStart(AttentionScaleKind::kScalar, FitnessKind::kNeedle, fixed);
  const Member& start = outcome.log.generations.front().members.front();
  ASSERT_EQ(start.candidate.grid, std::vector<int64_t>{100});  // m = 1: attention 3
  const double best_attention = 3.0 * outcome.best.candidate.grid[0] / 100.0;
  std::printf("needle loss: start (attention 3) %.4f, best (attention %.2f) %.4f\n", start.fitness,
              best_attention, outcome.best.fitness);
  EXPECT_LT(outcome.best.fitness, 0.5 * start.fitness);
  EXPECT_LT(std::abs(best_attention - 1.0), 1.0) << "not nearer the trained scale 1 than 3";
}

TEST(AttentionScaleSearch, PerFrequencyRecoversFromAWrongAttentionFactorOnPerplexity) {
  if (std::getenv("ROPESCALE_SOURCE_DIR") == nullptr) GTEST_SKIP() << "no ROPESCALE_SOURCE_DIR";
  RopeSpec fixed;
  const SearchOutcome outcome =
      SearchFromAWrongStart(AttentionScaleKind::kPerFrequency, FitnessKind::kPerplexity, fixed);
  const Member& start = outcome.log.generations.front().members.front();
  std::printf("ppl loss: start %.4f, best %.4f\n", start.fitness, outcome.best.fitness);
  EXPECT_LT(outcome.best.fitness, start.fitness - 0.05);
  // Every candidate stayed monotone and inside [0.1, 1].
  for (const GenerationRecord& record : outcome.log.generations) {
    for (const Member& m : record.members) {
      const std::vector<int64_t>& g = m.candidate.grid;
      for (size_t i = 0; i < g.size(); ++i) {
        EXPECT_GE(g[i], 10);
        EXPECT_LE(g[i], 100);
        if (i > 0) EXPECT_GE(g[i], g[i - 1]);
      }
    }
  }
}

}  // namespace
}  // namespace ropescale::search
