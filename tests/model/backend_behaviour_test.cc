// Properties of the CPU backend beyond the gradient checks: per-row RoPE, packed documents,
// tied embeddings, loss weights, causality, forward-only vs kept forward, thread counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "src/core/error.h"
#include "src/model/backend.h"
#include "src/model/cpu/cpu_backend.h"
#include "tests/model/model_test_util.h"

namespace ropescale {
namespace {

using testing::RandomBatch;
using testing::SpreadParameters;
using testing::TinyConfig;

std::unique_ptr<Backend> MakeBackend(const ModelConfig& config, uint64_t seed, int threads = 0) {
  BackendOptions options;
  options.num_threads = threads;
  auto backend = CreateBackend(config, options);
  backend->SetParameters(SpreadParameters(config, seed));
  return backend;
}

ForwardOutput TokenLosses(Backend& backend, const Batch& batch) {
  ForwardOptions options;
  options.want_token_losses = true;
  options.want_last_logits = true;
  return backend.Forward(batch, options);
}

// The rows of `batch` from `first` to `first + rows`, with its per-row RoPE.
Batch Rows(const Batch& batch, int first, int rows) {
  Batch out;
  out.batch_size = rows;
  out.seq_len = batch.seq_len;
  const int64_t begin = int64_t{first} * batch.seq_len, end = begin + int64_t{rows} * batch.seq_len;
  auto slice = [&](const auto& v) {
    using V = std::decay_t<decltype(v)>;
    return v.empty() ? V() : V(v.begin() + begin, v.begin() + end);
  };
  out.tokens = slice(batch.tokens);
  out.targets = slice(batch.targets);
  out.loss_weights = slice(batch.loss_weights);
  out.positions = slice(batch.positions);
  out.segment_ids = slice(batch.segment_ids);
  out.ropes = batch.ropes.size() == 1 ? batch.ropes
                                      : std::vector<RopeSpec>(batch.ropes.begin() + first,
                                                              batch.ropes.begin() + first + rows);
  return out;
}

void ExpectNear(const std::vector<float>& a, const std::vector<float>& b, double tol,
                const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tol) << what << " at " << i;
}

TEST(CpuBackend, RowsWithDifferentRopesEqualRunningThemSeparately) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 1);
  Batch batch = RandomBatch(config, 2, 12, 2);
  RopeSpec yarn = config.rope;
  yarn.kind = RopeKind::kYarn;
  yarn.factor = 4.0;
  yarn.original_max_position_embeddings = 8;
  batch.ropes = {yarn, config.rope};
  const ForwardOutput both = TokenLosses(*backend, batch);
  const ForwardOutput first = TokenLosses(*backend, Rows(batch, 0, 1));
  const ForwardOutput second = TokenLosses(*backend, Rows(batch, 1, 1));
  std::vector<float> separate = first.token_losses;
  separate.insert(separate.end(), second.token_losses.begin(), second.token_losses.end());
  ExpectNear(both.token_losses, separate, 1e-5, "token losses");
  std::vector<float> logits = first.last_logits;
  logits.insert(logits.end(), second.last_logits.begin(), second.last_logits.end());
  ExpectNear(both.last_logits, logits, 1e-5, "last logits");
  // The RoPE matters: the same row under the other RoPE gives other losses.
  Batch swapped = batch;
  swapped.ropes = {config.rope, yarn};
  const ForwardOutput other = TokenLosses(*backend, swapped);
  EXPECT_GT(std::abs(other.loss.weighted_loss - both.loss.weighted_loss), 1e-4);
}

// longrope picks short or long factors per row from that row's max position id + 1 (as HF does
// from position_ids): a row within the original window (L = 8) ignores long_factor.
TEST(CpuBackend, LongRopeSwitchesPerRowOnItsOwnPositions) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 25);
  RopeSpec longrope = config.rope;
  longrope.kind = RopeKind::kLongRope;
  longrope.original_max_position_embeddings = 8;
  longrope.max_position_embeddings = 32;
  longrope.short_factor = {1.0, 1.5, 2.0, 3.0};
  longrope.long_factor = {1.0, 2.0, 4.0, 8.0};
  RopeSpec other_long = longrope;
  other_long.long_factor = {2.0, 3.0, 5.0, 9.0};
  Batch batch = RandomBatch(config, 2, 12, 26);
  // Row 0: two packed documents of 6 tokens (max position 5 < 8: short); row 1: 12 positions.
  batch.positions = {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  batch.segment_ids = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  batch.targets[5] = kIgnoreTarget;
  batch.ropes = {longrope};
  const ForwardOutput a = TokenLosses(*backend, batch);
  batch.ropes = {other_long};
  const ForwardOutput b = TokenLosses(*backend, batch);
  for (int t = 0; t < 12; ++t) EXPECT_EQ(a.token_losses[t], b.token_losses[t]) << "short row " << t;
  double long_row_change = 0.0;
  for (int t = 12; t < 24; ++t) long_row_change += std::abs(a.token_losses[t] - b.token_losses[t]);
  EXPECT_GT(long_row_change, 1e-4);
}

TEST(CpuBackend, PackedDocumentsEqualEachDocumentAlone) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 3);
  const Batch doc_a = RandomBatch(config, 1, 7, 4);
  const Batch doc_b = RandomBatch(config, 1, 5, 5);
  Batch packed;
  packed.batch_size = 1;
  packed.seq_len = 12;
  packed.tokens = doc_a.tokens;
  packed.tokens.insert(packed.tokens.end(), doc_b.tokens.begin(), doc_b.tokens.end());
  packed.targets = doc_a.targets;  // its last target is ignored: no loss across the boundary
  packed.targets.insert(packed.targets.end(), doc_b.targets.begin(), doc_b.targets.end());
  packed.segment_ids = {3, 3, 3, 3, 3, 3, 3, 8, 8, 8, 8, 8};
  packed.positions = {0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4};
  packed.ropes = {config.rope};
  const ForwardOutput together = TokenLosses(*backend, packed);
  std::vector<float> separate = TokenLosses(*backend, doc_a).token_losses;
  const std::vector<float> b_losses = TokenLosses(*backend, doc_b).token_losses;
  separate.insert(separate.end(), b_losses.begin(), b_losses.end());
  ExpectNear(together.token_losses, separate, 1e-5, "token losses");
  // Without the segment ids the second document sees the first: losses change.
  Batch unmasked = packed;
  unmasked.segment_ids.clear();
  const ForwardOutput leaky = TokenLosses(*backend, unmasked);
  EXPECT_GT(std::abs(leaky.token_losses[9] - together.token_losses[9]), 1e-5);
}

TEST(CpuBackend, TiedEmbeddingsEqualAnUntiedCopy) {
  ModelConfig tied = TinyConfig();
  tied.tie_word_embeddings = true;
  ModelConfig untied = TinyConfig();
  const ParameterSet tied_params = SpreadParameters(tied, 6);
  EXPECT_EQ(tied_params.count("lm_head.weight"), 0u);
  ParameterSet untied_params = tied_params;
  untied_params["lm_head.weight"] = tied_params.at("model.embed_tokens.weight");
  auto a = CreateBackend(tied, {});
  auto b = CreateBackend(untied, {});
  a->SetParameters(tied_params);
  b->SetParameters(untied_params);
  const Batch batch = RandomBatch(tied, 2, 8, 7);
  ForwardOptions keep;
  keep.keep_activations = true;
  const ForwardOutput out_a = a->Forward(batch, keep);
  const ForwardOutput out_b = b->Forward(batch, keep);
  EXPECT_NEAR(out_a.loss.weighted_loss, out_b.loss.weighted_loss, 1e-4);
  a->ZeroGradients();
  b->ZeroGradients();
  a->Backward(out_a.loss.weight);
  b->Backward(out_b.loss.weight);
  const ParameterSet ga = a->GetGradients(), gb = b->GetGradients();
  std::vector<float> sum = gb.at("model.embed_tokens.weight").data;
  for (size_t i = 0; i < sum.size(); ++i) sum[i] += gb.at("lm_head.weight").data[i];
  ExpectNear(ga.at("model.embed_tokens.weight").data, sum, 1e-5, "embedding gradient");
}

TEST(CpuBackend, LossWeightsWeightTokenLosses) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 8);
  Batch batch = RandomBatch(config, 2, 6, 9);
  batch.loss_weights = {1, 0, 2, 0.5, 1, 3, 1, 1, 0, 0, 4, 1};
  batch.targets[2] = kIgnoreTarget;  // weight 2 but ignored
  const ForwardOutput out = TokenLosses(*backend, batch);
  double weighted = 0.0, weight = 0.0;
  for (int i = 0; i < 12; ++i) {
    if (batch.targets[i] == kIgnoreTarget) {
      EXPECT_EQ(out.token_losses[i], 0.0f);
      continue;
    }
    EXPECT_GT(out.token_losses[i], 0.0f);
    weighted += batch.loss_weights[i] * out.token_losses[i];
    weight += batch.loss_weights[i];
  }
  EXPECT_NEAR(out.loss.weighted_loss, weighted, 1e-5);
  EXPECT_DOUBLE_EQ(out.loss.weight, weight);
  // Default weights: 1 wherever the target is not ignored.
  batch.loss_weights.clear();
  EXPECT_DOUBLE_EQ(backend->Forward(batch, {}).loss.weight, 12 - 3);  // 2 row ends + index 2

  // Gradients are linear in the weights: doubling weights and normalizer changes nothing.
  ForwardOptions keep;
  keep.keep_activations = true;
  batch.loss_weights.assign(12, 1.0f);
  backend->ZeroGradients();
  backend->Backward(backend->Forward(batch, keep).loss.weight);
  const ParameterSet once = backend->GetGradients();
  batch.loss_weights.assign(12, 2.0f);
  backend->ZeroGradients();
  backend->Backward(backend->Forward(batch, keep).loss.weight);
  const ParameterSet doubled = backend->GetGradients();
  for (const auto& [name, g] : once) ExpectNear(g.data, doubled.at(name).data, 1e-6, name.c_str());
}

// The head runs only on tokens whose logits matter: a needle-style batch (a few weighted tokens)
// and a last-logits-only call must give what a full call gives.
TEST(CpuBackend, HeadOnScoredTokensOnlyGivesTheSameResults) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 23);
  Batch batch = RandomBatch(config, 2, 11, 24);
  const ForwardOutput full = TokenLosses(*backend, batch);
  batch.loss_weights.assign(batch.tokens.size(), 0.0f);
  batch.loss_weights[4] = 1.0f;
  batch.loss_weights[15] = 0.5f;
  const ForwardOutput needle = backend->Forward(batch, {});
  EXPECT_NEAR(needle.loss.weighted_loss, full.token_losses[4] + 0.5 * full.token_losses[15], 1e-5);
  EXPECT_DOUBLE_EQ(needle.loss.weight, 1.5);
  ForwardOptions last_only;
  last_only.want_last_logits = true;
  batch.targets.assign(batch.targets.size(), kIgnoreTarget);
  const ForwardOutput last = backend->Forward(batch, last_only);
  EXPECT_EQ(last.loss.weight, 0.0);
  ExpectNear(last.last_logits, full.last_logits, 1e-6, "last logits");
}

TEST(CpuBackend, LaterTokensDoNotChangeEarlierLosses) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 10);
  Batch batch = RandomBatch(config, 1, 10, 11);
  const ForwardOutput before = TokenLosses(*backend, batch);
  batch.tokens[8] = (batch.tokens[8] + 5) % config.vocab_size;
  const ForwardOutput after = TokenLosses(*backend, batch);
  for (int t = 0; t < 7; ++t) EXPECT_EQ(before.token_losses[t], after.token_losses[t]) << t;
  EXPECT_NE(before.token_losses[8], after.token_losses[8]);
}

TEST(CpuBackend, ForwardOnlyMatchesKeptForwardAndBackwardNeedsKeep) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 12);
  const Batch batch = RandomBatch(config, 2, 9, 13);
  ForwardOptions keep;
  keep.keep_activations = true;
  EXPECT_THROW(backend->Backward(1.0), Error);  // nothing kept yet
  backend->Forward(batch, {});
  EXPECT_THROW(backend->Backward(1.0), Error);  // a forward-only call keeps nothing
  const double kept = backend->Forward(batch, keep).loss.weighted_loss;
  const double light = backend->Forward(batch, {}).loss.weighted_loss;
  EXPECT_DOUBLE_EQ(kept, light);
  EXPECT_NO_THROW(backend->Backward(1.0));  // the forward-only call left the activations
}

// The activations contract: a forward-only call (another batch shape, another row-group split)
// between the kept forward and Backward() changes nothing in the gradients, bit for bit.
TEST(CpuBackend, ForwardOnlyCallsDoNotTouchKeptActivations) {
  const ModelConfig config = TinyConfig();
  const Batch rows4 = RandomBatch(config, 4, 9, 31);   // 2 row groups with 2 threads
  const Batch rows1 = RandomBatch(config, 1, 23, 32);  // 1 group, kernels parallelised inside
  ForwardOptions keep;
  keep.keep_activations = true;
  ForwardOptions score;
  score.want_token_losses = true;
  score.want_last_logits = true;
  for (const auto& [train, eval] : {std::pair{&rows4, &rows1}, std::pair{&rows1, &rows4}}) {
    auto plain = MakeBackend(config, 33, 2);
    auto interrupted = MakeBackend(config, 33, 2);
    plain->ZeroGradients();
    interrupted->ZeroGradients();
    const double weight = plain->Forward(*train, keep).loss.weight;
    ASSERT_EQ(interrupted->Forward(*train, keep).loss.weight, weight);
    const ForwardOutput scored = interrupted->Forward(*eval, score);
    ASSERT_EQ(scored.token_losses.size(), eval->tokens.size());
    plain->Backward(weight);
    interrupted->Backward(weight);
    const ParameterSet expected = plain->GetGradients(), got = interrupted->GetGradients();
    EXPECT_TRUE(expected == got) << "train rows " << train->batch_size;
    double norm = 0.0;
    for (const auto& [name, tensor] : expected) {
      for (float g : tensor.data) norm += double(g) * g;
    }
    EXPECT_GT(norm, 0.0);
  }
}

TEST(CpuBackend, GradientsAccumulateAcrossBackwardCalls) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 14);
  const Batch batch = RandomBatch(config, 1, 8, 15);
  ForwardOptions keep;
  keep.keep_activations = true;
  backend->ZeroGradients();
  backend->Forward(batch, keep);
  backend->Backward(4.0);
  const ParameterSet once = backend->GetGradients();
  backend->Forward(batch, keep);
  backend->Backward(4.0);
  const ParameterSet twice = backend->GetGradients();
  for (const auto& [name, g] : once) {
    std::vector<float> doubled = g.data;
    for (float& x : doubled) x *= 2;
    ExpectNear(twice.at(name).data, doubled, 1e-6, name.c_str());
  }
}

// Large enough that every kernel runs its parallel path (several attention blocks, big GEMMs).
// longrope's factor choice at the boundary, as the backend makes it: a row of exactly L tokens
// runs on the short factors and one of L + 1 on the long ones (HF: seq_len > L), checked by
// comparing logits with RoPEs that hold only short or only long factors.
TEST(CpuBackend, LongRopeSwitchesToLongFactorsAtExactlyLPlusOne) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 3);
  RopeSpec longrope = config.rope;
  longrope.kind = RopeKind::kLongRope;
  longrope.original_max_position_embeddings = 8;  // L; M = 256, factor M/L for both sets
  longrope.short_factor = {1.0, 1.0, 1.0, 1.0};
  longrope.long_factor = {1.0, 2.0, 4.0, 8.0};
  RopeSpec only_short = longrope, only_long = longrope;
  only_short.long_factor = longrope.short_factor;
  only_long.short_factor = longrope.long_factor;
  for (const int length : {8, 9}) {
    Batch batch = RandomBatch(config, 1, length, 5);
    const auto logits = [&](const RopeSpec& rope) {
      batch.ropes = {rope};
      return TokenLosses(*backend, batch).last_logits;
    };
    const std::vector<float> chosen = logits(longrope);
    const std::vector<float> same = length == 8 ? logits(only_short) : logits(only_long);
    const std::vector<float> other = length == 8 ? logits(only_long) : logits(only_short);
    ExpectNear(chosen, same, 1e-6, length == 8 ? "L tokens: short" : "L + 1 tokens: long");
    double gap = 0.0;
    for (size_t i = 0; i < chosen.size(); ++i)
      gap = std::max<double>(gap, std::abs(chosen[i] - other[i]));
    EXPECT_GT(gap, 1e-3) << length << " tokens: the other factor set gives the same logits";
  }
}

TEST(CpuBackend, ResultsDoNotDependOnThreadCount) {
  ModelConfig config = TinyConfig();
  config.hidden_size = 64;
  config.intermediate_size = 160;
  config.num_heads = 4;
  config.num_kv_heads = 2;
  config.head_dim = 16;
  config.rope = testing::TinyRope(16);
  config.vocab_size = 64;
  const Batch batch = RandomBatch(config, 3, 150, 16);
  ForwardOptions keep;
  keep.keep_activations = true;
  std::vector<ParameterSet> grads;
  std::vector<double> losses;
  for (int threads : {1, 2, 3}) {
    auto backend = MakeBackend(config, 17, threads);
    backend->ZeroGradients();
    const ForwardOutput out = backend->Forward(batch, keep);
    backend->Backward(out.loss.weight);
    losses.push_back(out.loss.weighted_loss);
    grads.push_back(backend->GetGradients());
  }
  // Stated tolerance: 1e-6 relative on the loss, 1e-5 absolute on gradient entries.
  for (size_t k = 1; k < grads.size(); ++k) {
    EXPECT_NEAR(losses[k], losses[0], 1e-6 * std::abs(losses[0]));
    for (const auto& [name, g] : grads[0]) {
      ExpectNear(grads[k].at(name).data, g.data, 1e-5, name.c_str());
    }
  }
}

TEST(CpuBackend, RejectsBadBatchesAndParameters) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 18);
  Batch batch = RandomBatch(config, 1, 4, 19);
  batch.ropes[0].head_dim = 16;
  EXPECT_THROW(backend->Forward(batch, {}), Error);
  ParameterSet params = backend->GetParameters();
  params.erase("model.norm.weight");
  EXPECT_THROW(backend->SetParameters(params), Error);
  params = backend->GetParameters();
  params["model.norm.weight"].shape = {3};
  EXPECT_THROW(backend->SetParameters(params), Error);
}

// ctest sets no OMP_WAIT_POLICY: the library's default (omp_wait_policy.cc) must be in force.
TEST(CpuBackend, OpenMpWaitsPassivelyUnlessTheEnvironmentSaysOtherwise) {
  if (const char* env = std::getenv("OMP_WAIT_POLICY")) GTEST_SKIP() << "set to " << env;
  cpu::CpuBackend backend(TinyConfig(), 1);
  EXPECT_TRUE(backend.passive_wait());
}

}  // namespace
}  // namespace ropescale
