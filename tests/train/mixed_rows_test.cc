// The rows of the mixed context window trainer: layout, determinism by (seed, step, row),
// packing (positions restart, segment ids, targets never cross a document), row dealing over
// ranks, and that short rows get the short factors with HF's attention factor and long rows the
// long factors.
#include "src/train/mixed_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "src/core/error.h"
#include "src/train/training_rope.h"
#include "tests/support/tiny_model.h"
#include "tests/train/train_test_util.h"

namespace ropescale {
namespace {

using testing::SmallCorpus;
using testing::TinyBaseModel;
using testing::TinyLongRope;

MixedDataOptions SmallData() {
  MixedDataOptions data;
  data.short_len = 32;
  data.long_len = 128;
  data.long_token_share = 0.5;
  data.global_batch_tokens = 512;
  data.seed = 5;
  data.short_doc_min = 6;
  return data;
}

// The small corpus with SmallData() rows over it.
class SmallRows : public ::testing::Test {
 protected:
  const Corpus corpus = SmallCorpus();
  const MixedDataOptions data = SmallData();
  const StepLayout layout = ComputeStepLayout(data);
  const ByteTokenizer tokenizer;
  const RowSource source{corpus, data, layout, tokenizer};
};
using RowSourceTest = SmallRows;
using MixedRopeTest = SmallRows;

TEST(StepLayout, SplitsTheGlobalBatchByTokenShare) {
  MixedDataOptions data = SmallData();
  StepLayout layout = ComputeStepLayout(data);
  EXPECT_EQ(layout.long_rows, 2);   // 256 tokens / 128
  EXPECT_EQ(layout.short_rows, 8);  // 256 tokens / 32
  data.long_token_share = 0.0;
  EXPECT_EQ(ComputeStepLayout(data).long_rows, 0);
  data.long_token_share = 1.0;
  EXPECT_EQ(ComputeStepLayout(data).short_rows, 0);
}

TEST(StepLayout, RejectsInconsistentOptions) {
  MixedDataOptions data = SmallData();
  data.long_len = 32;
  EXPECT_THROW(ComputeStepLayout(data), Error);
  data = SmallData();
  data.long_token_share = 1.5;
  EXPECT_THROW(ComputeStepLayout(data), Error);
  data = SmallData();
  data.global_batch_tokens = 100;  // no room for a long row of 128 at share 0.5
  EXPECT_THROW(ComputeStepLayout(data), Error);
}

TEST(RowSource, RowsArePureFunctionsOfSeedStepAndRow) {
  const Corpus corpus = SmallCorpus();
  const MixedDataOptions data = SmallData();
  const StepLayout layout = ComputeStepLayout(data);
  const ByteTokenizer tokenizer;
  const RowSource a(corpus, data, layout, tokenizer), b(corpus, data, layout, tokenizer);
  for (int row = 0; row < layout.total(); ++row) {
    EXPECT_EQ(a.Row(3, row).tokens, b.Row(3, row).tokens);
    EXPECT_EQ(a.Row(3, row).positions, b.Row(3, row).positions);
  }
  EXPECT_NE(a.Row(3, 0).tokens, a.Row(4, 0).tokens);
  EXPECT_NE(a.Row(3, 2).tokens, a.Row(3, 3).tokens);
}

TEST_F(RowSourceTest, LongRowsAreOneStretchOfT) {
  for (int row = 0; row < layout.long_rows; ++row) {
    const TrainingRow r = source.Row(0, row);
    EXPECT_EQ(r.kind, RowKind::kLong);
    ASSERT_EQ(r.tokens.size(), 128u);
    EXPECT_EQ(r.documents, 1);
    for (int t = 0; t < 128; ++t) {
      EXPECT_EQ(r.positions[t], t);
      if (t + 1 < 128) EXPECT_EQ(r.targets[t], r.tokens[t + 1]);
    }
  }
}

TEST_F(RowSourceTest, ShortRowsPackDocumentsThatRestartPositions) {
  int packed_rows = 0;
  for (int step = 0; step < 4; ++step) {
    for (int row = layout.long_rows; row < layout.total(); ++row) {
      const TrainingRow r = source.Row(step, row);
      EXPECT_EQ(r.kind, RowKind::kShort);
      ASSERT_EQ(r.tokens.size(), 32u);
      if (r.documents > 1) ++packed_rows;
      EXPECT_EQ(r.positions[0], 0);
      EXPECT_EQ(r.segment_ids[0], 0);
      for (int t = 1; t < 32; ++t) {
        const bool boundary = r.segment_ids[t] != r.segment_ids[t - 1];
        if (boundary) {
          EXPECT_EQ(r.segment_ids[t], r.segment_ids[t - 1] + 1);
          EXPECT_EQ(r.positions[t], 0);
        } else {
          EXPECT_EQ(r.positions[t], r.positions[t - 1] + 1);
          // Inside a document the target is the next input token.
          EXPECT_EQ(r.targets[t - 1], r.tokens[t]);
        }
        EXPECT_LT(r.positions[t], data.short_len);
      }
      EXPECT_EQ(r.segment_ids.back() + 1, r.documents);
    }
  }
  EXPECT_GT(packed_rows, 0);
}

TEST(RowSource, PasskeyRowsWeighTheirAnswers) {
  const Corpus corpus = SmallCorpus();
  MixedDataOptions data = SmallData();
  data.long_len = 256;
  data.global_batch_tokens = 1024;
  data.passkey_fraction = 1.0;
  data.answer_weight = 4.0;
  const StepLayout layout = ComputeStepLayout(data);
  const ByteTokenizer tokenizer;
  const RowSource source(corpus, data, layout, tokenizer);
  const TrainingRow r = source.Row(0, 0);
  ASSERT_EQ(r.kind, RowKind::kLong);
  // The last 5 targets are the key's digits, weighted 4.
  int weighted = 0;
  for (size_t t = 0; t < r.targets.size(); ++t) {
    if (r.loss_weights[t] == 4.0f) {
      ++weighted;
      EXPECT_GE(r.targets[t], '0');
      EXPECT_LE(r.targets[t], '9');
    }
  }
  EXPECT_EQ(weighted, 5);
  EXPECT_DOUBLE_EQ(r.Weight(), (r.targets.size() - 5) + 5 * 4.0);
}

TEST(RowsOfRank, DealsEveryRowToExactlyOneRank) {
  const StepLayout layout{5, 11};
  for (int size : {1, 2, 3, 4}) {
    std::multiset<int> seen;
    for (int rank = 0; rank < size; ++rank) {
      for (RowKind kind : {RowKind::kLong, RowKind::kShort}) {
        for (int row : RowsOfRank(layout, kind, rank, size)) {
          seen.insert(row);
          EXPECT_EQ(row < layout.long_rows, kind == RowKind::kLong);
        }
      }
    }
    ASSERT_EQ(seen.size(), 16u);
    for (int row = 0; row < 16; ++row) EXPECT_EQ(seen.count(row), 1u);
  }
}

// Per-token losses of a batch (one forward, no gradients).
std::vector<float> TokenLosses(Backend& backend, const Batch& batch) {
  ForwardOptions options;
  options.want_token_losses = true;
  return backend.Forward(batch, options).token_losses;
}

// The RoPE with both factor sets = `factors` and an explicit attention factor: whichever set
// the switch picks, the rotation is `factors`.
RopeSpec Fixed(RopeSpec spec, const std::vector<double>& factors, double attention) {
  spec.short_factor = factors;
  spec.long_factor = factors;
  spec.attention_factor = attention;
  return spec;
}

TEST_F(MixedRopeTest, ShortRowsGetShortFactorsAndHfAttentionLongRowsLongFactors) {
  const Checkpoint base = TinyBaseModel();
  const RopeSpec rope = TinyLongRope(base.config, 128);
  const RopeSpec trained =
      ResolveTrainingRope(base.config.rope, rope, true, TrainRope::kFactors, 128);
  // HF longrope's default attention factor, from the formula (not from the library):
  // sqrt(1 + ln(M / L) / ln(L)) with M = 128, L = 32.
  const double attention = std::sqrt(1.0 + std::log(128.0 / 32.0) / std::log(32.0));
  auto backend = testing::TinyBackend(base.config, 3, 1);

  const TrainingRow long_row = source.Row(0, 0);
  const TrainingRow short_row = source.Row(0, layout.long_rows);
  ASSERT_EQ(long_row.kind, RowKind::kLong);
  ASSERT_EQ(short_row.kind, RowKind::kShort);

  const auto short_loss = TokenLosses(*backend, RowsToBatch({&short_row}, trained));
  EXPECT_EQ(
      short_loss,
      TokenLosses(*backend, RowsToBatch({&short_row}, Fixed(rope, rope.short_factor, attention))));
  EXPECT_NE(
      short_loss,
      TokenLosses(*backend, RowsToBatch({&short_row}, Fixed(rope, rope.long_factor, attention))));
  EXPECT_NE(short_loss,
            TokenLosses(*backend, RowsToBatch({&short_row}, Fixed(rope, rope.short_factor, 1.0))));

  const auto long_loss = TokenLosses(*backend, RowsToBatch({&long_row}, trained));
  EXPECT_EQ(
      long_loss,
      TokenLosses(*backend, RowsToBatch({&long_row}, Fixed(rope, rope.long_factor, attention))));
  EXPECT_NE(
      long_loss,
      TokenLosses(*backend, RowsToBatch({&long_row}, Fixed(rope, rope.short_factor, attention))));
}

TEST_F(MixedRopeTest, PackedDocumentsNeverAttendAcrossTheirBoundary) {
  const Checkpoint base = TinyBaseModel();
  const RopeSpec rope = TinyLongRope(base.config, 128);
  auto backend = testing::TinyBackend(base.config, 3, 1);
  // A packed short row, scored whole, against each of its documents scored alone.
  TrainingRow packed;
  for (int row = layout.long_rows; row < layout.total() && packed.documents < 2; ++row) {
    packed = source.Row(1, row);
  }
  ASSERT_GE(packed.documents, 2);
  const auto whole = TokenLosses(*backend, RowsToBatch({&packed}, rope));
  size_t begin = 0;
  while (begin < packed.tokens.size()) {
    size_t end = begin;
    while (end < packed.tokens.size() && packed.segment_ids[end] == packed.segment_ids[begin])
      ++end;
    TrainingRow alone;
    alone.tokens.assign(packed.tokens.begin() + begin, packed.tokens.begin() + end);
    alone.targets.assign(packed.targets.begin() + begin, packed.targets.begin() + end);
    alone.loss_weights.assign(packed.loss_weights.begin() + begin,
                              packed.loss_weights.begin() + end);
    alone.positions.assign(packed.positions.begin() + begin, packed.positions.begin() + end);
    alone.segment_ids.assign(end - begin, 0);
    const auto single = TokenLosses(*backend, RowsToBatch({&alone}, rope));
    for (size_t t = begin; t < end; ++t) {
      EXPECT_NEAR(whole[t], single[t - begin], 1e-5f * (1.0f + std::fabs(single[t - begin])))
          << "token " << t;
    }
    begin = end;
  }
}

TEST(TrainingRope, ScalingBlockReadsAsTransformersWould) {
  const Checkpoint base = TinyBaseModel();
  const nlohmann::json block = {{"rope_type", "longrope"},
                                {"short_factor", {1.0, 1.0, 1.0, 1.0}},
                                {"long_factor", {1.0, 2.0, 4.0, 8.0}},
                                {"original_max_position_embeddings", 32},
                                {"factor", 4.0}};
  const RopeSpec spec = LongRopeFromScalingBlock(base.config, block, 128, "factors.json");
  EXPECT_EQ(spec.kind, RopeKind::kLongRope);
  EXPECT_EQ(spec.max_position_embeddings, 128);
  EXPECT_EQ(spec.original_max_position_embeddings, 32);
  EXPECT_EQ(spec.long_factor, (std::vector<double>{1.0, 2.0, 4.0, 8.0}));
  nlohmann::json wrong = block;
  wrong["long_factor"] = {1.0, 2.0};
  EXPECT_THROW(LongRopeFromScalingBlock(base.config, wrong, 128, "factors.json"), Error);
  wrong = block;
  wrong["rope_type"] = "yarn";
  EXPECT_THROW(LongRopeFromScalingBlock(base.config, wrong, 128, "factors.json"), Error);
}

TEST(TrainingRope, SingleRopeBaselines) {
  const Checkpoint base = TinyBaseModel();
  const RopeSpec rope = TinyLongRope(base.config, 128);
  EXPECT_EQ(ResolveTrainingRope(base.config.rope, rope, false, TrainRope::kOriginal, 128),
            base.config.rope);
  EXPECT_EQ(ResolveTrainingRope(base.config.rope, std::nullopt, false, TrainRope::kYarn, 128).kind,
            RopeKind::kYarn);
  const RopeSpec all_long =
      ResolveTrainingRope(base.config.rope, rope, false, TrainRope::kFactors, 128);
  EXPECT_EQ(all_long.short_factor, rope.long_factor);
  EXPECT_THROW(ResolveTrainingRope(base.config.rope, std::nullopt, true, TrainRope::kFactors, 128),
               Error);
}

}  // namespace
}  // namespace ropescale
