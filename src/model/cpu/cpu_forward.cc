// Forward pass of the CPU backend: embedding, decoder layers, final norm, lm_head, loss.
#include <omp.h>

#include <algorithm>
#include <exception>

#include "src/core/error.h"
#include "src/model/cpu/attention.h"
#include "src/model/cpu/batch_rows.h"
#include "src/model/cpu/cpu_backend.h"
#include "src/model/cpu/cross_entropy.h"
#include "src/model/cpu/embedding.h"
#include "src/model/cpu/matmul.h"
#include "src/model/cpu/parallel.h"
#include "src/model/cpu/rmsnorm.h"
#include "src/model/cpu/rope_apply.h"
#include "src/model/cpu/swiglu.h"

namespace ropescale::cpu {

namespace {

// The tokens [r0, r1) of n that the calling thread of a parallel region takes.
void TokenRange(int64_t n, int64_t& r0, int64_t& r1) {
  const int threads = omp_get_num_threads(), id = omp_get_thread_num();
  r0 = n * id / threads;
  r1 = n * (id + 1) / threads;
}

}  // namespace

void CpuBackend::SizeLayer(int64_t n, bool keep, LayerActivations& a) const {
  const ModelConfig& c = config_;
  const int H = c.hidden_size, I = c.intermediate_size;
  const int qd = c.num_heads * c.head_dim, kvd = c.num_kv_heads * c.head_dim;
  a.rstd1.resize(n);
  a.norm1.resize(n * H);
  a.q.resize(n * qd);
  a.k.resize(n * kvd);
  a.v.resize(n * kvd);
  a.att.resize(n * qd);
  a.rstd2.resize(n);
  a.norm2.resize(n * H);
  a.gate.resize(n * I);
  a.up.resize(n * I);
  a.mlp.resize(n * I);
  if (keep) a.x_mid.resize(n * H);
}

// Everything but attention is per token: each thread takes a contiguous range of tokens
// through a whole stage, so a layer has three fork/joins rather than a dozen (each join waits
// for the slowest thread, which costs dearly on a busy machine). Inside a row group (already
// on one thread) these regions are teams of one.
void CpuBackend::LayerQkv(int layer, int64_t n, const float* x, int half, const float* cos,
                          const float* sin, LayerActivations& a) {
  const ModelConfig& c = config_;
  const int H = c.hidden_size;
  const int qd = c.num_heads * c.head_dim, kvd = c.num_kv_heads * c.head_dim;
  const LayerWeights w = Layer(params_, layer);
#pragma omp parallel if (n * H * qd >= kMinParallelWork)
  {
    omp_set_num_threads(1);  // kernels below run on this thread's tokens
    int64_t r0, r1;
    TokenRange(n, r0, r1);
    const int rows = static_cast<int>(r1 - r0);
    float* norm1 = a.norm1.data() + r0 * H;
    float* q = a.q.data() + r0 * qd;
    float* k = a.k.data() + r0 * kvd;
    RmsNormForward(rows, H, c.rms_norm_eps, x + r0 * H, w.ln1, norm1, a.rstd1.data() + r0);
    LinearForward(rows, H, qd, norm1, w.wq, q);
    LinearForward(rows, H, kvd, norm1, w.wk, k);
    LinearForward(rows, H, kvd, norm1, w.wv, a.v.data() + r0 * kvd);
    RopeApply(rows, c.num_heads, c.head_dim, half, cos + r0 * half, sin + r0 * half, q, false);
    RopeApply(rows, c.num_kv_heads, c.head_dim, half, cos + r0 * half, sin + r0 * half, k, false);
  }
}

void CpuBackend::LayerOutput(int layer, int64_t n, LayerActivations& a, float* x, bool keep) {
  const ModelConfig& c = config_;
  const int H = c.hidden_size, I = c.intermediate_size;
  const int qd = c.num_heads * c.head_dim;
  const LayerWeights w = Layer(params_, layer);
#pragma omp parallel if (n * H * I >= kMinParallelWork)
  {
    omp_set_num_threads(1);
    int64_t r0, r1;
    TokenRange(n, r0, r1);
    const int rows = static_cast<int>(r1 - r0);
    float* xr = x + r0 * H;
    float* norm2 = a.norm2.data() + r0 * H;
    LinearForward(rows, qd, H, a.att.data() + r0 * qd, w.wo, xr, /*accumulate=*/true);
    if (keep) std::copy_n(xr, int64_t{rows} * H, a.x_mid.data() + r0 * H);
    RmsNormForward(rows, H, c.rms_norm_eps, xr, w.ln2, norm2, a.rstd2.data() + r0);
    LinearForward(rows, H, I, norm2, w.gate, a.gate.data() + r0 * I);
    LinearForward(rows, H, I, norm2, w.up, a.up.data() + r0 * I);
    SwigluForward(int64_t{rows} * I, a.gate.data() + r0 * I, a.up.data() + r0 * I,
                  a.mlp.data() + r0 * I);
    LinearForward(rows, I, H, a.mlp.data() + r0 * I, w.down, xr, /*accumulate=*/true);
  }
}

void CpuBackend::LayerForward(int layer, ForwardState& st, LayerActivations& a,
                              std::vector<float>& x, bool keep) {
  const ModelConfig& c = config_;
  const int64_t n = int64_t{st.batch} * st.seq_len;
  SizeLayer(n, keep, a);
  if (keep) a.x_in = x;
  LayerQkv(layer, n, x.data(), st.rotary.half, st.rotary.cos.data(), st.rotary.sin.data(), a);
  const AttentionShape shape{st.batch, st.seq_len, c.num_heads, c.num_kv_heads, c.head_dim};
  AttentionForward(shape, a.q.data(), a.k.data(), a.v.data(),
                   st.segment_ids.empty() ? nullptr : st.segment_ids.data(), a.att.data());
  LayerOutput(layer, n, a, x.data(), keep);
}

void CpuBackend::HeadForward(int64_t m, const float* x, float* rstd, float* norm, float* logits) {
  const int H = config_.hidden_size;
  RmsNormForward(m, H, config_.rms_norm_eps, x, FinalNorm(params_), norm, rstd);
  LinearForward(static_cast<int>(m), H, config_.vocab_size, norm, LmHead(params_), logits);
}

// Row groups only when every thread gets a row; fewer rows than threads (one long document,
// or 4 rows on 16 cores) are parallelised inside the kernels instead.
int CpuBackend::RowGroups(int batch_size) const {
  return batch_size >= num_threads_ ? num_threads_ : 1;
}

ForwardOutput CpuBackend::Forward(const Batch& batch, const ForwardOptions& options) {
  ValidateBatch(batch, config_.vocab_size);
  ThreadScope threads(num_threads_);
  const bool keep = options.keep_activations;
  // Activations contract: only a kept forward replaces (or, while it runs, drops) the kept
  // activations; a forward-only call works in scratch_ and leaves states_ for Backward().
  if (keep) kept_groups_ = 0;
  const int groups = RowGroups(batch.batch_size);
  std::vector<ForwardState>& states = keep ? states_ : scratch_;
  states.resize(groups);
  if (groups == 1) {
    ForwardOutput out = ForwardRows(batch, options, states[0]);
    if (keep) kept_groups_ = 1;
    return out;
  }
  // One group of rows per thread, each through the whole model on its own thread.
  std::vector<Batch> parts(groups);
  for (int g = 0; g < groups; ++g) {
    const int first = static_cast<int>(int64_t{batch.batch_size} * g / groups);
    const int last = static_cast<int>(int64_t{batch.batch_size} * (g + 1) / groups);
    parts[g] = SliceRows(batch, first, last - first);
  }
  std::vector<ForwardOutput> outs(groups);
  std::vector<std::exception_ptr> errors(groups);
#pragma omp parallel for num_threads(groups) schedule(static, 1)
  for (int g = 0; g < groups; ++g) {
    omp_set_num_threads(1);  // kernels inside a group run on its thread (no nested teams)
    try {
      outs[g] = ForwardRows(parts[g], options, states[g]);
    } catch (...) {
      errors[g] = std::current_exception();
    }
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  ForwardOutput out;
  for (const ForwardOutput& part : outs) {
    out.loss.weighted_loss += part.loss.weighted_loss;
    out.loss.weight += part.loss.weight;
    out.last_logits.insert(out.last_logits.end(), part.last_logits.begin(), part.last_logits.end());
    out.token_losses.insert(out.token_losses.end(), part.token_losses.begin(),
                            part.token_losses.end());
  }
  if (keep) kept_groups_ = groups;
  return out;
}

ForwardOutput CpuBackend::ForwardRows(const Batch& batch, const ForwardOptions& options,
                                      ForwardState& st) {
  const ModelConfig& c = config_;
  const int B = batch.batch_size, T = batch.seq_len, H = c.hidden_size, V = c.vocab_size;
  const int64_t N = int64_t{B} * T;
  const bool keep = options.keep_activations;

  // A forward-only call keeps nothing: it runs on scratch with one reused layer slot.
  st.batch = B;
  st.seq_len = T;
  st.tokens = batch.tokens;
  st.targets = batch.targets;
  st.segment_ids = batch.segment_ids;
  st.weights.resize(N);
  for (int64_t i = 0; i < N; ++i) {
    st.weights[i] = batch.targets[i] == kIgnoreTarget
                        ? 0.0f
                        : (batch.loss_weights.empty() ? 1.0f : batch.loss_weights[i]);
  }
  st.rotary = BuildTokenRotary(batch, c.head_dim);
  st.layers.resize(keep ? c.num_layers : 1);

  std::vector<float>& x = st.x_final;  // the residual stream
  x.resize(N * H);
  EmbeddingForward(N, H, batch.tokens.data(), Embedding(params_), x.data());
  for (int layer = 0; layer < c.num_layers; ++layer) {
    LayerForward(layer, st, st.layers[keep ? layer : 0], x, keep);
  }

  // The head runs on the scored tokens only (for a needle loss: a handful of rows).
  st.scored.clear();
  std::vector<int64_t> last_row(B, -1);  // scored index of each row's last token
  for (int64_t i = 0; i < N; ++i) {
    const bool last = options.want_last_logits && i % T == T - 1;
    if (last) last_row[i / T] = static_cast<int64_t>(st.scored.size());
    if (st.weights[i] > 0.0f || last ||
        (options.want_token_losses && st.targets[i] != kIgnoreTarget)) {
      st.scored.push_back(i);
    }
  }
  const int64_t M = static_cast<int64_t>(st.scored.size());
  st.scored_targets.resize(M);
  st.scored_weights.resize(M);
  st.x_scored.resize(M * H);
  for (int64_t m = 0; m < M; ++m) {
    const int64_t i = st.scored[m];
    st.scored_targets[m] = st.targets[i];
    st.scored_weights[m] = st.weights[i];
    std::copy_n(x.data() + i * H, H, st.x_scored.data() + m * H);
  }
  st.rstd_final.resize(M);
  st.norm_final.resize(M * H);
  st.logits.resize(M * V);
  HeadForward(M, st.x_scored.data(), st.rstd_final.data(), st.norm_final.data(), st.logits.data());
  std::vector<float> losses(M);
  CrossEntropyForward(M, V, st.logits.data(), st.scored_targets.data(), losses.data());

  ForwardOutput out;
  for (int64_t m = 0; m < M; ++m) {
    out.loss.weighted_loss += static_cast<double>(st.scored_weights[m]) * losses[m];
    out.loss.weight += st.scored_weights[m];
  }
  if (options.want_token_losses) {
    out.token_losses.assign(N, 0.0f);
    for (int64_t m = 0; m < M; ++m) out.token_losses[st.scored[m]] = losses[m];
  }
  if (options.want_last_logits) {
    out.last_logits.resize(int64_t{B} * V);
    for (int b = 0; b < B; ++b) {
      std::copy_n(st.logits.data() + last_row[b] * V, V, out.last_logits.data() + int64_t{b} * V);
    }
  }
  return out;
}

}  // namespace ropescale::cpu
