// Incremental decoding (Backend::BeginDecode / Prefill / DecodeStep) against full forwards:
// Prefill's logits, every step's logits for several RoPE kinds, GQA and per-row RoPEs, the RoPE
// choice made once at max_len, the activations contract, and misuse.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "src/core/rng.h"
#include "src/model/backend.h"
#include "tests/model/model_test_util.h"

namespace ropescale {
namespace {

using testing::ExpectErrorNaming;
using testing::RandomBatch;
using testing::SpreadParameters;
using testing::TinyConfig;

// Decoding runs the forward's kernels on the same numbers except for a step's attention (one
// query against the cache: other GEMM shapes, so possibly other fp32 summation orders) and,
// for the pinned reference below, the packed-document softmax of the forward. Measured: most
// cases agree bit for bit, the largest difference over these tests is 2.4e-6 (fp32 rounding
// through 2 layers). 1e-4 leaves room for other BLAS kernels and thread counts, while a real
// error (a wrong position, factor or cache row) moves logits by 1e-2 or more.
constexpr double kLogitTolerance = 1e-4;

std::unique_ptr<Backend> MakeBackend(const ModelConfig& config, uint64_t seed) {
  auto backend = CreateBackend(config, BackendOptions{});
  backend->SetParameters(SpreadParameters(config, seed));
  return backend;
}

double MaxAbsDifference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double most = 0.0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    most = std::max(most, std::fabs(static_cast<double>(a[i]) - b[i]));
  }
  return most;
}

// Token t of row b of a rows x stride block.
std::vector<int32_t> RandomTokens(int vocab, int rows, int stride, uint64_t seed) {
  CounterRng rng(seed, 3);
  std::vector<int32_t> tokens(static_cast<size_t>(rows) * stride);
  for (int32_t& t : tokens) t = static_cast<int32_t>(rng.Below(vocab));
  return tokens;
}

// Rows x count tokens from column `first` of a rows x stride block.
std::vector<int32_t> Columns(const std::vector<int32_t>& tokens, int rows, int stride, int first,
                             int count) {
  std::vector<int32_t> out;
  for (int b = 0; b < rows; ++b) {
    const auto row = tokens.begin() + static_cast<int64_t>(b) * stride;
    out.insert(out.end(), row + first, row + first + count);
  }
  return out;
}

// The last-position logits of a full Forward of the first `length` tokens of every row (a
// rows x stride block), row b on ropes[b]. rope_len = length is a plain Forward of the prefix.
// rope_len > length pins the RoPE's length-dependent choices to seq_len = rope_len, as decoding
// pins them to max_len: a hidden first token at position rope_len - 1, in a packed document of
// its own that no other token attends to, makes the row's max position id + 1 = rope_len.
std::vector<float> ForwardLastLogits(Backend& backend, const std::vector<int32_t>& tokens, int rows,
                                     int stride, int length, const std::vector<RopeSpec>& ropes,
                                     int rope_len) {
  const bool pin = rope_len > length;
  Batch batch;
  batch.batch_size = rows;
  batch.seq_len = length + (pin ? 1 : 0);
  for (int b = 0; b < rows; ++b) {
    if (pin) {
      batch.tokens.push_back(0);
      batch.positions.push_back(rope_len - 1);
      batch.segment_ids.push_back(1);
    }
    for (int t = 0; t < length; ++t) {
      batch.tokens.push_back(tokens[static_cast<size_t>(b) * stride + t]);
      batch.positions.push_back(t);
      batch.segment_ids.push_back(0);
    }
  }
  if (!pin) {
    batch.positions.clear();
    batch.segment_ids.clear();
  }
  batch.targets.assign(batch.tokens.size(), kIgnoreTarget);
  batch.ropes = ropes;
  ForwardOptions options;
  options.want_last_logits = true;
  return backend.Forward(batch, options).last_logits;
}

struct DecodeCase {
  ModelConfig config = TinyConfig();
  std::vector<RopeSpec> ropes;  // empty = the model's RoPE
  int rows = 2;
  int prompt_len = 6;
  int max_len = 20;
  // Compare with a Forward pinned to max_len (for RoPEs whose choice depends on the length
  // and changes between prompt_len and max_len); otherwise a plain Forward of each prefix.
  bool pinned = false;
};

// Prefills random prompts, then feeds the remaining random tokens one step at a time; returns
// the largest logit difference against the full forward of the same prefix.
double MaxDecodeDifference(const DecodeCase& c) {
  const std::vector<RopeSpec> ropes = c.ropes.empty() ? std::vector{c.config.rope} : c.ropes;
  auto backend = MakeBackend(c.config, 5);
  const std::vector<int32_t> tokens = RandomTokens(c.config.vocab_size, c.rows, c.max_len, 6);
  auto reference = [&](int length) {
    return ForwardLastLogits(*backend, tokens, c.rows, c.max_len, length, ropes,
                             c.pinned ? c.max_len : length);
  };
  backend->BeginDecode({c.rows, c.max_len, ropes});
  double most =
      MaxAbsDifference(backend->Prefill(Columns(tokens, c.rows, c.max_len, 0, c.prompt_len)),
                       reference(c.prompt_len));
  for (int t = c.prompt_len; t < c.max_len; ++t) {
    const std::vector<float> logits = backend->DecodeStep(Columns(tokens, c.rows, c.max_len, t, 1));
    EXPECT_EQ(logits.size(), static_cast<size_t>(c.rows) * c.config.vocab_size);
    most = std::max(most, MaxAbsDifference(logits, reference(t + 1)));
  }
  backend->EndDecode();
  return most;
}

// Short and long factors, LongRoPE's n_hat and an explicit attention factor, L = 16.
RopeSpec TestLongRope(const ModelConfig& config) {
  RopeSpec rope = config.rope;
  rope.kind = RopeKind::kLongRope;
  rope.max_position_embeddings = 64;
  rope.original_max_position_embeddings = 16;
  rope.factor = 4.0;
  rope.long_factor = {1.0, 2.0, 3.5, 6.0};
  rope.short_factor = {1.0, 1.1, 1.3, 1.6};
  rope.n_hat = 3;
  rope.attention_factor = 1.15;
  return rope;
}

RopeSpec TestYarn(const ModelConfig& config) {
  RopeSpec rope = config.rope;
  rope.kind = RopeKind::kYarn;
  rope.factor = 4.0;
  rope.original_max_position_embeddings = 8;
  return rope;
}

TEST(Decode, PrefillEqualsLastLogitsOfForward) {
  // 70 prompt tokens: more than one query block of the forward's attention.
  EXPECT_LE(MaxDecodeDifference({.rows = 3, .prompt_len = 70, .max_len = 70}), kLogitTolerance);
  EXPECT_LE(MaxDecodeDifference({.rows = 1, .prompt_len = 1, .max_len = 1}), kLogitTolerance);
}

TEST(Decode, StepsEqualForwardOnThePrefixWithTheDefaultRope) {
  EXPECT_LE(MaxDecodeDifference({.rows = 3, .prompt_len = 5, .max_len = 24}), kLogitTolerance);
  // Steps past a 64-token block of the prompt's attention, from a one-token prompt.
  EXPECT_LE(MaxDecodeDifference({.rows = 2, .prompt_len = 60, .max_len = 75}), kLogitTolerance);
  EXPECT_LE(MaxDecodeDifference({.rows = 1, .prompt_len = 1, .max_len = 12}), kLogitTolerance);
}

TEST(Decode, StepsEqualForwardWithGroupedQueryHeadsAndPartialRotary) {
  for (int kv_heads : {1, 2, 4}) {
    DecodeCase c{.rows = 3, .prompt_len = 7, .max_len = 19};
    c.config.num_kv_heads = kv_heads;
    EXPECT_LE(MaxDecodeDifference(c), kLogitTolerance) << kv_heads << " kv heads";
  }
  DecodeCase partial{.rows = 2, .prompt_len = 4, .max_len = 15};
  partial.config.rope.partial_rotary_factor = 0.5;
  EXPECT_LE(MaxDecodeDifference(partial), kLogitTolerance);
}

TEST(Decode, StepsEqualForwardWithYarn) {
  DecodeCase c{.rows = 2, .prompt_len = 5, .max_len = 30};
  c.ropes = {TestYarn(c.config)};
  EXPECT_LE(MaxDecodeDifference(c), kLogitTolerance);
}

TEST(Decode, StepsEqualForwardWithLongRopeWithinTheOriginalContext) {
  // max_len = L: short factors throughout, as HF's forward of every prefix uses them.
  DecodeCase c{.rows = 2, .prompt_len = 5, .max_len = 16};
  c.ropes = {TestLongRope(c.config)};
  EXPECT_LE(MaxDecodeDifference(c), kLogitTolerance);
}

TEST(Decode, StepsEqualForwardPinnedToMaxLenWithLongRopeAcrossTheOriginalContext) {
  // Prompts shorter and longer than L = 16, finishing beyond it: long factors throughout.
  for (int prompt_len : {10, 20}) {
    DecodeCase c{.rows = 2, .prompt_len = prompt_len, .max_len = 30, .pinned = true};
    c.ropes = {TestLongRope(c.config)};
    EXPECT_LE(MaxDecodeDifference(c), kLogitTolerance) << prompt_len;
  }
}

TEST(Decode, StepsEqualForwardPinnedToMaxLenWithDynamicNtk) {
  DecodeCase c{.rows = 2, .prompt_len = 8, .max_len = 30, .pinned = true};
  RopeSpec dynamic = c.config.rope;
  dynamic.kind = RopeKind::kDynamicNtk;
  dynamic.factor = 2.0;
  dynamic.max_position_embeddings = 16;
  c.ropes = {dynamic};
  EXPECT_LE(MaxDecodeDifference(c), kLogitTolerance);
}

TEST(Decode, RowsWithTheirOwnRopes) {
  DecodeCase c{.rows = 3, .prompt_len = 9, .max_len = 14};
  c.ropes = {c.config.rope, TestYarn(c.config), TestLongRope(c.config)};
  EXPECT_LE(MaxDecodeDifference(c), kLogitTolerance);
  c.max_len = 26;  // the longrope row now crosses L = 16
  c.pinned = true;
  EXPECT_LE(MaxDecodeDifference(c), kLogitTolerance);
}

// The longrope factors follow max_len, not the current length: a 10-token prompt (below L = 16)
// decoded towards 30 tokens is rotated with the long factors from the start, so its Prefill
// differs from a plain Forward of the prompt (short factors) and equals the one pinned to 30;
// the same prompt in a session of max_len 16 gives the plain Forward's logits.
TEST(Decode, LongRopeFactorsAreChosenOnceFromMaxLen) {
  const ModelConfig config = TinyConfig();
  const std::vector<RopeSpec> ropes = {TestLongRope(config)};
  auto backend = MakeBackend(config, 9);
  const std::vector<int32_t> prompt = RandomTokens(config.vocab_size, 1, 10, 10);
  const std::vector<float> plain = ForwardLastLogits(*backend, prompt, 1, 10, 10, ropes, 10);
  const std::vector<float> pinned = ForwardLastLogits(*backend, prompt, 1, 10, 10, ropes, 30);
  EXPECT_GT(MaxAbsDifference(plain, pinned), 1e-2);  // the choice matters for this prompt

  backend->BeginDecode({1, 30, ropes});
  EXPECT_LE(MaxAbsDifference(backend->Prefill(prompt), pinned), kLogitTolerance);
  backend->BeginDecode({1, 16, ropes});  // replaces the open session
  EXPECT_LE(MaxAbsDifference(backend->Prefill(prompt), plain), kLogitTolerance);
}

// Prefill may be called again: it starts the rows over (the cache's old entries are dropped).
TEST(Decode, PrefillAgainStartsOver) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 11);
  const std::vector<int32_t> tokens = RandomTokens(config.vocab_size, 2, 12, 12);
  backend->BeginDecode({2, 12, {config.rope}});
  const std::vector<float> first = backend->Prefill(Columns(tokens, 2, 12, 0, 4));
  const std::vector<float> step = backend->DecodeStep(Columns(tokens, 2, 12, 4, 1));
  backend->Prefill(Columns(tokens, 2, 12, 5, 7));  // other prompts, longer
  EXPECT_EQ(backend->Prefill(Columns(tokens, 2, 12, 0, 4)), first);
  EXPECT_EQ(backend->DecodeStep(Columns(tokens, 2, 12, 4, 1)), step);
}

// A Forward (kept or not) and a Backward between steps leave the session's cache alone.
TEST(Decode, ForwardAndBackwardBetweenStepsLeaveTheCacheAlone) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 13);
  const std::vector<int32_t> tokens = RandomTokens(config.vocab_size, 2, 10, 14);
  auto decode = [&](bool interleave) {
    backend->BeginDecode({2, 10, {config.rope}});
    std::vector<float> all = backend->Prefill(Columns(tokens, 2, 10, 0, 3));
    for (int t = 3; t < 10; ++t) {
      if (interleave) {
        ForwardOptions keep;
        keep.keep_activations = true;
        const Batch batch = RandomBatch(config, 3, 5 + t, 15);
        backend->Forward(batch, {});
        backend->ZeroGradients();
        backend->Backward(backend->Forward(batch, keep).loss.weight);
      }
      const std::vector<float> logits = backend->DecodeStep(Columns(tokens, 2, 10, t, 1));
      all.insert(all.end(), logits.begin(), logits.end());
    }
    backend->EndDecode();
    return all;
  };
  EXPECT_EQ(decode(false), decode(true));
}

// Row groups (rows >= threads: one group of rows per thread) and kernel-level threads give
// the same logits as one thread.
TEST(Decode, ResultsDoNotDependOnTheThreadCount) {
  const ModelConfig config = TinyConfig();
  const std::vector<int32_t> tokens = RandomTokens(config.vocab_size, 3, 40, 21);
  auto decode = [&](int threads) {
    auto backend = CreateBackend(config, BackendOptions{.num_threads = threads});
    backend->SetParameters(SpreadParameters(config, 22));
    backend->BeginDecode({3, 40, {config.rope}});
    std::vector<float> all = backend->Prefill(Columns(tokens, 3, 40, 0, 30));
    for (int t = 30; t < 40; ++t) {
      const std::vector<float> logits = backend->DecodeStep(Columns(tokens, 3, 40, t, 1));
      all.insert(all.end(), logits.begin(), logits.end());
    }
    return all;
  };
  const std::vector<float> one = decode(1);
  for (int threads : {2, 3, 4}) {
    EXPECT_LE(MaxAbsDifference(decode(threads), one), 1e-5) << threads << " threads";
  }
}

// Activations contract: Forward(keep) ... decoding ... Backward() gives the gradients of
// Forward(keep); Backward() bit for bit, and the optimizer step after it.
TEST(Decode, TrainingAfterADecodeGivesIdenticalGradients) {
  for (int rows : {1, 4}) {  // one row group, and (with 2+ threads) several
    const ModelConfig config = TinyConfig();
    auto plain = MakeBackend(config, 16);
    auto decoded = MakeBackend(config, 16);
    const Batch batch = RandomBatch(config, rows, 12, 17);
    ForwardOptions keep;
    keep.keep_activations = true;
    for (Backend* backend : {plain.get(), decoded.get()}) {
      backend->ZeroGradients();
      const ForwardOutput out = backend->Forward(batch, keep);
      if (backend == decoded.get()) {
        backend->BeginDecode({3, 20, {TestLongRope(config)}});
        backend->Prefill(RandomTokens(config.vocab_size, 3, 8, 18));
        for (int t = 0; t < 5; ++t) backend->DecodeStep({1, 2, 3});
        backend->EndDecode();
        backend->BeginDecode({1, 40, {config.rope}});
        backend->Prefill(RandomTokens(config.vocab_size, 1, 30, 19));
      }
      backend->Backward(out.loss.weight);
      backend->OptimizerStep({}, 1e-2);
    }
    EXPECT_EQ(plain->GetGradients(), decoded->GetGradients()) << rows << " rows";
    EXPECT_EQ(plain->GetParameters(), decoded->GetParameters()) << rows << " rows";
  }
}

TEST(Decode, MisuseIsAnErrorThatLeavesTheSessionUsable) {
  const ModelConfig config = TinyConfig();
  auto backend = MakeBackend(config, 20);
  Backend& b = *backend;
  ExpectErrorNaming([&] { b.DecodeStep({1}); }, "no decode session");
  ExpectErrorNaming([&] { b.Prefill({1, 2}); }, "no decode session");
  ExpectErrorNaming([&] { b.BeginDecode({0, 8, {config.rope}}); }, "rows must be positive");
  ExpectErrorNaming([&] { b.BeginDecode({2, 0, {config.rope}}); }, "max_len must be positive");
  ExpectErrorNaming(
      [&] {
        b.BeginDecode({3, 8, {config.rope, config.rope}});
      },
      "ropes has 2 entries, expected 1 or rows = 3");
  RopeSpec wrong = config.rope;
  wrong.head_dim = 16;
  ExpectErrorNaming([&] { b.BeginDecode({1, 8, {wrong}}); }, "ropes[0].head_dim");
  RopeSpec partial = config.rope;
  partial.partial_rotary_factor = 0.5;
  ExpectErrorNaming(
      [&] {
        b.BeginDecode({2, 8, {config.rope, partial}});
      },
      "rows must share rotary_dim");

  b.BeginDecode({2, 6, {config.rope}});
  ExpectErrorNaming([&] { b.DecodeStep({1, 2}); }, "call Prefill first");
  ExpectErrorNaming([&] { b.Prefill({1, 2, 3}); }, "not rows x prompt_len for rows = 2");
  ExpectErrorNaming([&] { b.Prefill({}); }, "not rows x prompt_len");
  ExpectErrorNaming([&] { b.Prefill(std::vector<int32_t>(14, 1)); },
                    "prompt_len = 7 exceeds max_len = 6");
  ExpectErrorNaming(
      [&] {
        b.Prefill({1, 2, 3, config.vocab_size});
      },
      "tokens[3] = 32 is outside the vocabulary");
  const std::vector<float> prefill = b.Prefill({1, 2, 3, 4});
  ExpectErrorNaming([&] { b.DecodeStep({1, 2, 3}); }, "got 3 tokens, expected one per row");
  ExpectErrorNaming([&] { b.DecodeStep({1}); }, "rows = 2");
  ExpectErrorNaming([&] { b.DecodeStep({-1, 2}); }, "outside the vocabulary");
  // The rejected calls changed nothing: the steps equal those of a fresh session.
  std::vector<std::vector<float>> steps;
  for (int t = 2; t < 6; ++t) steps.push_back(b.DecodeStep({t, t + 1}));
  ExpectErrorNaming([&] { b.DecodeStep({1, 2}); }, "hold 6 tokens already, max_len = 6");

  auto fresh = MakeBackend(config, 20);
  fresh->BeginDecode({2, 6, {config.rope}});
  EXPECT_EQ(fresh->Prefill({1, 2, 3, 4}), prefill);
  for (int t = 2; t < 6; ++t) EXPECT_EQ(fresh->DecodeStep({t, t + 1}), steps[t - 2]);

  b.EndDecode();
  ExpectErrorNaming([&] { b.DecodeStep({1, 2}); }, "no decode session");
  b.EndDecode();  // nothing open: nothing to do
}

}  // namespace
}  // namespace ropescale
