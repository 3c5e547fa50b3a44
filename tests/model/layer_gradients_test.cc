// Finite-difference checks (double precision, step 1e-6, tolerance 1e-6 absolute on O(1)
// gradients) of every layer kernel of the CPU backend: the analytic backward pass must be the
// derivative of the forward pass. Each layer's loss is L = sum(out * R) for a random R.
#include <gtest/gtest.h>

#include <cmath>

#include "src/model/cpu/attention.h"
#include "src/model/cpu/cross_entropy.h"
#include "src/model/cpu/embedding.h"
#include "src/model/cpu/matmul.h"
#include "src/model/cpu/rmsnorm.h"
#include "src/model/cpu/rope_apply.h"
#include "src/model/cpu/swiglu.h"
#include "tests/model/grad_check.h"

namespace ropescale::cpu {
namespace {

using testing::Dot;
using testing::NumericGradient;
using testing::RandomVector;

constexpr double kTol = 1e-6;

TEST(LayerGradients, Linear) {
  const int n = 5, in = 7, out = 6;
  auto x = RandomVector(n * in, 1), w = RandomVector(out * in, 2), r = RandomVector(n * out, 3);
  auto loss = [&] {
    std::vector<double> y(n * out);
    LinearForward(n, in, out, x.data(), w.data(), y.data());
    return Dot(y, r);
  };
  std::vector<double> dx(n * in), dw(out * in, 0.0);
  LinearBackward(n, in, out, x.data(), w.data(), r.data(), dx.data(), false, dw.data());
  EXPECT_VECTORS_NEAR(dx, NumericGradient(x, loss), kTol);
  EXPECT_VECTORS_NEAR(dw, NumericGradient(w, loss), kTol);
}

TEST(LayerGradients, LinearLargeEnoughToSplitAcrossThreads) {
  const int n = 130, in = 9, out = 70;
  auto x = RandomVector(n * in, 4), w = RandomVector(out * in, 5);
  std::vector<double> y(n * out);
  LinearForward(n, in, out, x.data(), w.data(), y.data());
  for (int i = 0; i < n; i += 13) {
    for (int o = 0; o < out; o += 7) {
      double expected = 0.0;
      for (int j = 0; j < in; ++j) expected += x[i * in + j] * w[o * in + j];
      EXPECT_NEAR(y[i * out + o], expected, 1e-12);
    }
  }
}

TEST(LayerGradients, RmsNorm) {
  const int n = 4, dim = 6;
  const double eps = 1e-5;
  auto x = RandomVector(n * dim, 6), w = RandomVector(dim, 7), r = RandomVector(n * dim, 8);
  auto loss = [&] {
    std::vector<double> y(n * dim), rstd(n);
    RmsNormForward(n, dim, eps, x.data(), w.data(), y.data(), rstd.data());
    return Dot(y, r);
  };
  std::vector<double> y(n * dim), rstd(n), dx(n * dim, 0.0), dw(dim, 0.0);
  RmsNormForward(n, dim, eps, x.data(), w.data(), y.data(), rstd.data());
  // The forward against the definition.
  double ms = 0.0;
  for (int j = 0; j < dim; ++j) ms += x[j] * x[j] / dim;
  EXPECT_NEAR(y[2], x[2] / std::sqrt(ms + eps) * w[2], 1e-12);
  RmsNormBackward(n, dim, x.data(), w.data(), rstd.data(), r.data(), dx.data(), dw.data());
  EXPECT_VECTORS_NEAR(dx, NumericGradient(x, loss), kTol);
  EXPECT_VECTORS_NEAR(dw, NumericGradient(w, loss), kTol);
}

// pair_scale: a magnitude per pair (RopeSpec::frequency_scale), empty = none.
void CheckRope(int head_dim, int half, const std::vector<double>& pair_scale = {}) {
  const int n = 3, heads = 2;
  auto x = RandomVector(n * heads * head_dim, 9), r = RandomVector(n * heads * head_dim, 10);
  std::vector<double> cos(n * half), sin(n * half);
  for (int i = 0; i < n * half; ++i) {
    const double angle = 0.3 + 0.7 * i;
    const double magnitude = 1.1 * (pair_scale.empty() ? 1.0 : pair_scale[i % half]);
    cos[i] = magnitude * std::cos(angle);  // attention scaling 1.1
    sin[i] = magnitude * std::sin(angle);
  }
  auto loss = [&] {
    std::vector<double> y = x;
    RopeApply(n, heads, head_dim, half, cos.data(), sin.data(), y.data(), false);
    return Dot(y, r);
  };
  std::vector<double> y = x;
  RopeApply(n, heads, head_dim, half, cos.data(), sin.data(), y.data(), false);
  // HF rotate_half on token 1, head 1, pair 0: (x0 c - x_half s, x_half c + x0 s).
  const int base = (1 * heads + 1) * head_dim;
  EXPECT_NEAR(y[base], x[base] * cos[half] - x[base + half] * sin[half], 1e-12);
  EXPECT_NEAR(y[base + half], x[base + half] * cos[half] + x[base] * sin[half], 1e-12);
  for (int j = 2 * half; j < head_dim; ++j) EXPECT_EQ(y[base + j], x[base + j]) << "dim " << j;
  std::vector<double> dx = r;
  RopeApply(n, heads, head_dim, half, cos.data(), sin.data(), dx.data(), true);
  EXPECT_VECTORS_NEAR(dx, NumericGradient(x, loss), kTol);
}

TEST(LayerGradients, RopeFullRotary) { CheckRope(8, 4); }
TEST(LayerGradients, RopePartialRotary) { CheckRope(8, 2); }
TEST(LayerGradients, RopeWithAScalePerFrequency) { CheckRope(8, 4, {0.5, 1.0, 1.7, 3.0}); }

void CheckAttention(int batch, int seq_len, int heads, int kv_heads, bool segments,
                    size_t stride = 1) {
  const int hd = 4;
  const AttentionShape s{batch, seq_len, heads, kv_heads, hd};
  const int nq = batch * seq_len * heads * hd, nk = batch * seq_len * kv_heads * hd;
  auto q = RandomVector(nq, 11), k = RandomVector(nk, 12), v = RandomVector(nk, 13);
  auto r = RandomVector(nq, 14);
  std::vector<int32_t> seg;
  if (segments) {
    for (int b = 0; b < batch; ++b) {
      for (int t = 0; t < seq_len; ++t) seg.push_back(t < seq_len / 3 ? 7 : (t % 5 == 0 ? 2 : 9));
    }
  }
  const int32_t* seg_ptr = segments ? seg.data() : nullptr;
  auto forward = [&] {
    std::vector<double> out(nq);
    AttentionForward(s, q.data(), k.data(), v.data(), seg_ptr, out.data());
    return out;
  };
  auto loss = [&] { return Dot(forward(), r); };
  const std::vector<double> out = forward();

  // Reference forward: plain softmax over allowed keys, for row 1, head heads-1, last token.
  {
    const int b = batch - 1, h = heads - 1, i = seq_len - 1, kvh = h / (heads / kv_heads);
    std::vector<double> p(seq_len, 0.0);
    double mx = -1e300, sum = 0.0;
    for (int j = 0; j <= i; ++j) {
      if (segments && seg[b * seq_len + j] != seg[b * seq_len + i]) continue;
      double dot = 0.0;
      for (int e = 0; e < hd; ++e) {
        dot += q[((b * seq_len + i) * heads + h) * hd + e] *
               k[((b * seq_len + j) * kv_heads + kvh) * hd + e];
      }
      p[j] = dot / std::sqrt(double(hd));
      mx = std::max(mx, p[j]);
    }
    for (int j = 0; j <= i; ++j) {
      if (segments && seg[b * seq_len + j] != seg[b * seq_len + i]) {
        p[j] = 0.0;
        continue;
      }
      p[j] = std::exp(p[j] - mx);
      sum += p[j];
    }
    for (int e = 0; e < hd; ++e) {
      double o = 0.0;
      for (int j = 0; j <= i; ++j)
        o += p[j] / sum * v[((b * seq_len + j) * kv_heads + kvh) * hd + e];
      EXPECT_NEAR(out[((b * seq_len + i) * heads + h) * hd + e], o, 1e-12);
    }
  }

  std::vector<double> dq(nq), dk(nk), dv(nk);
  AttentionBackward(s, q.data(), k.data(), v.data(), seg_ptr, out.data(), r.data(), dq.data(),
                    dk.data(), dv.data());
  testing::ExpectGradientAtSample(dq, q, loss, stride, kTol);
  testing::ExpectGradientAtSample(dk, k, loss, stride, kTol);
  testing::ExpectGradientAtSample(dv, v, loss, stride, kTol);
}

TEST(LayerGradients, AttentionMultiHead) { CheckAttention(2, 5, 2, 2, false); }
TEST(LayerGradients, AttentionGroupedQuery) { CheckAttention(2, 6, 4, 2, false); }
TEST(LayerGradients, AttentionSegmentMask) { CheckAttention(1, 9, 2, 1, true); }
// More than one query block (kAttentionBlock rows), so the blocked loops are exercised.
TEST(LayerGradients, AttentionSeveralBlocks) {
  CheckAttention(1, kAttentionBlock + 7, 2, 1, false, /*stride=*/23);
}

TEST(LayerGradients, Swiglu) {
  const int n = 11;
  auto gate = RandomVector(n, 15, 2.0), up = RandomVector(n, 16), r = RandomVector(n, 17);
  auto loss = [&] {
    std::vector<double> out(n);
    SwigluForward(n, gate.data(), up.data(), out.data());
    return Dot(out, r);
  };
  std::vector<double> out(n), dgate(n), dup(n);
  SwigluForward(n, gate.data(), up.data(), out.data());
  EXPECT_NEAR(out[3], gate[3] / (1 + std::exp(-gate[3])) * up[3], 1e-12);
  SwigluBackward(n, gate.data(), up.data(), r.data(), dgate.data(), dup.data());
  EXPECT_VECTORS_NEAR(dgate, NumericGradient(gate, loss), kTol);
  EXPECT_VECTORS_NEAR(dup, NumericGradient(up, loss), kTol);
}

TEST(LayerGradients, Embedding) {
  const int vocab = 5, dim = 3, n = 7;
  const std::vector<int32_t> tokens = {4, 0, 4, 2, 1, 4, 0};
  auto table = RandomVector(vocab * dim, 18), r = RandomVector(n * dim, 19);
  auto loss = [&] {
    std::vector<double> out(n * dim);
    EmbeddingForward(n, dim, tokens.data(), table.data(), out.data());
    return Dot(out, r);
  };
  std::vector<double> dtable(vocab * dim, 0.0);
  EmbeddingBackward(n, dim, tokens.data(), r.data(), dtable.data());
  EXPECT_VECTORS_NEAR(dtable, NumericGradient(table, loss), kTol);
}

TEST(LayerGradients, CrossEntropyWithWeightsAndIgnoredTargets) {
  const int n = 5, vocab = 6;
  const std::vector<int32_t> targets = {2, -1, 0, 5, 3};
  const std::vector<double> weights = {1.0, 0.0, 0.5, 2.0, 0.0};
  const double normalizer = 3.5;
  auto logits = RandomVector(n * vocab, 20, 2.0);
  std::vector<double> losses(n);
  CrossEntropyForward(n, vocab, logits.data(), targets.data(), losses.data());
  double lse = 0.0;
  for (int j = 0; j < vocab; ++j) lse += std::exp(logits[3 * vocab + j]);
  EXPECT_NEAR(losses[3], std::log(lse) - logits[3 * vocab + 5], 1e-12);
  EXPECT_EQ(losses[1], 0.0);
  auto loss = [&] {
    std::vector<double> l(n);
    CrossEntropyForward(n, vocab, logits.data(), targets.data(), l.data());
    return Dot(l, weights) / normalizer;
  };
  std::vector<double> dlogits(n * vocab);
  CrossEntropyBackward(n, vocab, logits.data(), targets.data(), weights.data(), normalizer,
                       dlogits.data());
  EXPECT_VECTORS_NEAR(dlogits, NumericGradient(logits, loss), kTol);
}

}  // namespace
}  // namespace ropescale::cpu
