// The CPU backend's forward against a naive double-precision LLaMA written here from the
// definition (plain loops, no shared kernels, RoPE angles computed directly for the default
// kind): checks how the layers are put together (norm placement, residuals, GQA head mapping,
// rotate_half on q and k with partial rotary, causal mask, tied head), which the gradient
// checks cannot see.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "src/model/backend.h"
#include "tests/model/model_test_util.h"

namespace ropescale {
namespace {

using Matrix = std::vector<double>;  // row-major

struct Reference {
  const ModelConfig& c;
  const ParameterSet& p;

  Matrix W(const std::string& name) const {
    const auto& d = p.at(name).data;
    return Matrix(d.begin(), d.end());
  }
  // y[t] = W x[t], W [out, in].
  static Matrix Linear(const Matrix& x, const Matrix& w, int in, int out) {
    const size_t T = x.size() / in;
    Matrix y(T * out, 0.0);
    for (size_t t = 0; t < T; ++t) {
      for (int o = 0; o < out; ++o) {
        for (int i = 0; i < in; ++i) y[t * out + o] += w[o * in + i] * x[t * in + i];
      }
    }
    return y;
  }
  Matrix Norm(const Matrix& x, const Matrix& w) const {
    const int H = c.hidden_size;
    Matrix y(x.size());
    for (size_t t = 0; t < x.size() / H; ++t) {
      double ms = 0.0;
      for (int j = 0; j < H; ++j) ms += x[t * H + j] * x[t * H + j] / H;
      for (int j = 0; j < H; ++j)
        y[t * H + j] = w[j] * x[t * H + j] / std::sqrt(ms + c.rms_norm_eps);
    }
    return y;
  }
  void Rope(Matrix& x, int heads) const {
    const int hd = c.head_dim, rd = c.rope.rotary_dim(), half = rd / 2;
    for (size_t t = 0; t < x.size() / (heads * hd); ++t) {
      for (int h = 0; h < heads; ++h) {
        double* v = &x[(t * heads + h) * hd];
        std::vector<double> out(v, v + hd);
        for (int i = 0; i < rd; ++i) {
          const int f = i % half;
          const double angle = t * std::pow(c.rope.base, -2.0 * f / rd);
          const double rotated = i < half ? -v[i + half] : v[i - half];  // rotate_half
          out[i] = v[i] * std::cos(angle) + rotated * std::sin(angle);
        }
        std::copy(out.begin(), out.end(), v);
      }
    }
  }
  // Token losses of one sequence (targets = next tokens; the last one has none).
  std::vector<double> Losses(const std::vector<int32_t>& tokens) const {
    const int T = static_cast<int>(tokens.size()), H = c.hidden_size, I = c.intermediate_size;
    const int nh = c.num_heads, nkv = c.num_kv_heads, hd = c.head_dim;
    const Matrix embed = W("model.embed_tokens.weight");
    Matrix x(T * H);
    for (int t = 0; t < T; ++t) {
      for (int j = 0; j < H; ++j) x[t * H + j] = embed[tokens[t] * H + j];
    }
    for (int l = 0; l < c.num_layers; ++l) {
      const std::string pre = "model.layers." + std::to_string(l) + ".";
      const Matrix n1 = Norm(x, W(pre + "input_layernorm.weight"));
      Matrix q = Linear(n1, W(pre + "self_attn.q_proj.weight"), H, nh * hd);
      Matrix k = Linear(n1, W(pre + "self_attn.k_proj.weight"), H, nkv * hd);
      const Matrix v = Linear(n1, W(pre + "self_attn.v_proj.weight"), H, nkv * hd);
      Rope(q, nh);
      Rope(k, nkv);
      Matrix att(T * nh * hd, 0.0);
      for (int h = 0; h < nh; ++h) {
        const int g = h / (nh / nkv);
        for (int i = 0; i < T; ++i) {
          std::vector<double> s(i + 1);
          double mx = -1e300, sum = 0.0;
          for (int j = 0; j <= i; ++j) {
            s[j] = 0.0;
            for (int e = 0; e < hd; ++e)
              s[j] += q[(i * nh + h) * hd + e] * k[(j * nkv + g) * hd + e];
            s[j] /= std::sqrt(double(hd));
            mx = std::max(mx, s[j]);
          }
          for (int j = 0; j <= i; ++j) sum += (s[j] = std::exp(s[j] - mx));
          for (int j = 0; j <= i; ++j) {
            for (int e = 0; e < hd; ++e)
              att[(i * nh + h) * hd + e] += s[j] / sum * v[(j * nkv + g) * hd + e];
          }
        }
      }
      const Matrix o = Linear(att, W(pre + "self_attn.o_proj.weight"), nh * hd, H);
      for (size_t i = 0; i < x.size(); ++i) x[i] += o[i];
      const Matrix n2 = Norm(x, W(pre + "post_attention_layernorm.weight"));
      const Matrix gate = Linear(n2, W(pre + "mlp.gate_proj.weight"), H, I);
      Matrix up = Linear(n2, W(pre + "mlp.up_proj.weight"), H, I);
      for (size_t i = 0; i < up.size(); ++i) up[i] *= gate[i] / (1.0 + std::exp(-gate[i]));
      const Matrix down = Linear(up, W(pre + "mlp.down_proj.weight"), I, H);
      for (size_t i = 0; i < x.size(); ++i) x[i] += down[i];
    }
    const Matrix nf = Norm(x, W("model.norm.weight"));
    const Matrix logits =
        Linear(nf, W(c.tie_word_embeddings ? "model.embed_tokens.weight" : "lm_head.weight"), H,
               c.vocab_size);
    std::vector<double> losses(T, 0.0);
    for (int t = 0; t + 1 < T; ++t) {
      double mx = -1e300, sum = 0.0;
      for (int j = 0; j < c.vocab_size; ++j) mx = std::max(mx, logits[t * c.vocab_size + j]);
      for (int j = 0; j < c.vocab_size; ++j) sum += std::exp(logits[t * c.vocab_size + j] - mx);
      losses[t] = std::log(sum) + mx - logits[t * c.vocab_size + tokens[t + 1]];
    }
    return losses;
  }
};

void CompareWithReference(const ModelConfig& config) {
  const ParameterSet params = testing::SpreadParameters(config, 21);
  auto backend = CreateBackend(config, {});
  backend->SetParameters(params);
  const Batch batch = testing::RandomBatch(config, 1, 13, 22);
  ForwardOptions options;
  options.want_token_losses = true;
  const ForwardOutput out = backend->Forward(batch, options);
  const std::vector<double> expected = Reference{config, params}.Losses(batch.tokens);
  ASSERT_EQ(out.token_losses.size(), expected.size());
  for (size_t t = 0; t < expected.size(); ++t) {
    EXPECT_NEAR(out.token_losses[t], expected[t], 2e-5 * (1.0 + expected[t])) << "token " << t;
  }
}

TEST(ReferenceForward, GroupedQueryAttention) { CompareWithReference(testing::TinyConfig()); }

TEST(ReferenceForward, PartialRotaryTiedEmbeddings) {
  ModelConfig config = testing::TinyConfig();
  config.rope = testing::TinyRope(8, 0.5);
  config.tie_word_embeddings = true;
  config.num_kv_heads = 4;
  CompareWithReference(config);
}

}  // namespace
}  // namespace ropescale
