// RopeSpec::frequency_scale in the CPU backend's rotary path (BuildTokenRotary + RopeApply):
// after rotating a query and a key, the q.k contribution of frequency pair i is multiplied by
// (attention * frequency_scale[i])^2, and no other pair changes.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "src/model/batch.h"
#include "src/model/cpu/rope_apply.h"
#include "src/model/cpu/token_rotary.h"

namespace ropescale::cpu {
namespace {

constexpr int kHeadDim = 8, kHalf = 4, kTokens = 7;

RopeSpec LongRopeWithAttention() {
  RopeSpec spec;
  spec.kind = RopeKind::kLongRope;
  spec.head_dim = kHeadDim;
  spec.max_position_embeddings = 64;
  spec.original_max_position_embeddings = 16;
  spec.long_factor = {1.0, 1.5, 2.0, 4.0};
  spec.attention_factor = 1.3;
  return spec;
}

// q.k of pair `pair` only, for a query at position `qp` and a key at `kp` (one head).
double PairLogit(const RopeSpec& rope, int pair, int qp, int kp) {
  Batch batch;
  batch.batch_size = 1;
  batch.seq_len = kTokens;
  batch.ropes = {rope};
  const TokenRotary rotary = BuildTokenRotary(batch, kHeadDim);
  std::vector<double> cos(rotary.cos.begin(), rotary.cos.end());
  std::vector<double> sin(rotary.sin.begin(), rotary.sin.end());
  std::vector<double> q(kTokens * kHeadDim, 0.0), k(kTokens * kHeadDim, 0.0);
  q[qp * kHeadDim + pair] = 0.8;
  q[qp * kHeadDim + pair + kHalf] = -0.3;
  k[kp * kHeadDim + pair] = 0.5;
  k[kp * kHeadDim + pair + kHalf] = 1.1;
  RopeApply(kTokens, 1, kHeadDim, kHalf, cos.data(), sin.data(), q.data(), false);
  RopeApply(kTokens, 1, kHeadDim, kHalf, cos.data(), sin.data(), k.data(), false);
  double dot = 0.0;
  for (int j = 0; j < kHeadDim; ++j) dot += q[qp * kHeadDim + j] * k[kp * kHeadDim + j];
  return dot;
}

TEST(FrequencyScale, MultipliesEachPairsQkContributionBySquare) {
  const RopeSpec plain = LongRopeWithAttention();
  RopeSpec scaled = plain;
  scaled.frequency_scale = {0.5, 1.0, 1.25, 2.0};
  for (int pair = 0; pair < kHalf; ++pair) {
    for (const auto& [qp, kp] : {std::pair{6, 2}, std::pair{3, 3}, std::pair{5, 0}}) {
      const double m = scaled.frequency_scale[pair];
      const double expected = m * m * PairLogit(plain, pair, qp, kp);
      EXPECT_NEAR(PairLogit(scaled, pair, qp, kp), expected, 1e-6 * (1.0 + std::abs(expected)))
          << "pair " << pair << " positions " << qp << ", " << kp;
    }
  }
  // The attention scale is still there: without it the logit shrinks by 1.3^2.
  RopeSpec no_attention = scaled;
  no_attention.attention_factor = 1.0;
  EXPECT_NEAR(PairLogit(scaled, 3, 6, 2), 1.69 * PairLogit(no_attention, 3, 6, 2), 1e-6);
}

}  // namespace
}  // namespace ropescale::cpu
