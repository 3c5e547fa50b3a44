// Backward pass of the CPU backend: the exact gradient of the loss of the last kept forward.
#include <omp.h>

#include <algorithm>
#include <exception>

#include "src/core/error.h"
#include "src/model/cpu/attention.h"
#include "src/model/cpu/cpu_backend.h"
#include "src/model/cpu/cross_entropy.h"
#include "src/model/cpu/embedding.h"
#include "src/model/cpu/matmul.h"
#include "src/model/cpu/parallel.h"
#include "src/model/cpu/rmsnorm.h"
#include "src/model/cpu/rope_apply.h"
#include "src/model/cpu/swiglu.h"

namespace ropescale::cpu {

void CpuBackend::LayerBackward(int layer, const ForwardState& st, const LayerActivations& a,
                               std::vector<float>& dx, BackwardBuffers& buf,
                               FlatParameters& grads) {
  const ModelConfig& c = config_;
  const int N = st.batch * st.seq_len, H = c.hidden_size, I = c.intermediate_size;
  const int qd = c.num_heads * c.head_dim, kvd = c.num_kv_heads * c.head_dim;
  const int64_t n = N;
  const LayerWeights w = Layer(params_, layer);
  const LayerWeights g = Layer(grads, layer);
  buf.dmlp.resize(n * I);
  buf.dgate.resize(n * I);
  buf.dup.resize(n * I);
  buf.dnorm.resize(n * H);
  buf.datt.resize(n * qd);
  buf.dq.resize(n * qd);
  buf.dk.resize(n * kvd);
  buf.dv.resize(n * kvd);
  float *dmlp = buf.dmlp.data(), *dgate = buf.dgate.data(), *dup = buf.dup.data();
  float *dnorm = buf.dnorm.data(), *datt = buf.datt.data(), *dq = buf.dq.data();
  float *dk = buf.dk.data(), *dv = buf.dv.data();

  // MLP: x_out = x_mid + down(silu(gate(n2)) * up(n2)), n2 = rmsnorm(x_mid).
  LinearBackward(N, I, H, a.mlp.data(), w.down, dx.data(), dmlp, false, g.down);
  SwigluBackward(n * I, a.gate.data(), a.up.data(), dmlp, dgate, dup);
  LinearBackward(N, H, I, a.norm2.data(), w.gate, dgate, dnorm, false, g.gate);
  LinearBackward(N, H, I, a.norm2.data(), w.up, dup, dnorm, true, g.up);
  RmsNormBackward(n, H, a.x_mid.data(), w.ln2, a.rstd2.data(), dnorm, dx.data(), g.ln2);

  // Attention: x_mid = x_in + o_proj(attn(rope(q(n1)), rope(k(n1)), v(n1))), n1 = rmsnorm(x_in).
  LinearBackward(N, qd, H, a.att.data(), w.wo, dx.data(), datt, false, g.wo);
  const AttentionShape shape{st.batch, st.seq_len, c.num_heads, c.num_kv_heads, c.head_dim};
  AttentionBackward(shape, a.q.data(), a.k.data(), a.v.data(),
                    st.segment_ids.empty() ? nullptr : st.segment_ids.data(), a.att.data(), datt,
                    dq, dk, dv);
  const int half = st.rotary.half;
  RopeApply(n, c.num_heads, c.head_dim, half, st.rotary.cos.data(), st.rotary.sin.data(), dq, true);
  RopeApply(n, c.num_kv_heads, c.head_dim, half, st.rotary.cos.data(), st.rotary.sin.data(), dk,
            true);
  LinearBackward(N, H, qd, a.norm1.data(), w.wq, dq, dnorm, false, g.wq);
  LinearBackward(N, H, kvd, a.norm1.data(), w.wk, dk, dnorm, true, g.wk);
  LinearBackward(N, H, kvd, a.norm1.data(), w.wv, dv, dnorm, true, g.wv);
  RmsNormBackward(n, H, a.x_in.data(), w.ln1, a.rstd1.data(), dnorm, dx.data(), g.ln1);
}

void CpuBackend::Backward(double loss_normalizer) {
  Check(kept_groups_ > 0,
        "Backward: no activations kept (call Forward with keep_activations first)");
  Check(loss_normalizer > 0.0, "Backward: loss_normalizer must be positive (got {})",
        loss_normalizer);
  ThreadScope threads(num_threads_);
  const int groups = kept_groups_;
  grad_buffers_.resize(groups);
  if (groups == 1) {
    BackwardRows(states_[0], loss_normalizer, grad_buffers_[0], grads_);
    return;
  }
  // Each row group into its own gradients, then summed into grads_ in group order.
  group_grads_.resize(groups);
  for (FlatParameters& set : group_grads_) {
    if (set.size() != grads_.size()) set = FlatParameters(config_);
  }
  std::vector<std::exception_ptr> errors(groups);
#pragma omp parallel for num_threads(groups) schedule(static, 1)
  for (int g = 0; g < groups; ++g) {
    omp_set_num_threads(1);  // kernels inside a group run on its thread (no nested teams)
    try {
      group_grads_[g].Fill(0.0f);
      BackwardRows(states_[g], loss_normalizer, grad_buffers_[g], group_grads_[g]);
    } catch (...) {
      errors[g] = std::current_exception();
    }
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  // One loop over the flat buffers; each value sums the groups in group order (deterministic).
  float* out = grads_.values().data();
  const int64_t n = grads_.size();
  std::vector<const float*> parts(groups);
  for (int g = 0; g < groups; ++g) parts[g] = group_grads_[g].values().data();
#pragma omp parallel for schedule(static) if (n >= kMinParallelWork)
  for (int64_t i = 0; i < n; ++i) {
    float sum = 0.0f;
    for (int g = 0; g < groups; ++g) sum += parts[g][i];
    out[i] += sum;
  }
}

void CpuBackend::BackwardRows(const ForwardState& st, double loss_normalizer, BackwardBuffers& buf,
                              FlatParameters& grads) {
  const ModelConfig& c = config_;
  const int H = c.hidden_size, V = c.vocab_size;
  const int64_t N = int64_t{st.batch} * st.seq_len;

  // The head, on the scored tokens; the other tokens carry no loss.
  const int64_t M = static_cast<int64_t>(st.scored.size());
  buf.dlogits.resize(M * V);
  buf.dhead.resize(M * H);
  buf.dx_scored.assign(M * H, 0.0f);
  CrossEntropyBackward(M, V, st.logits.data(), st.scored_targets.data(), st.scored_weights.data(),
                       loss_normalizer, buf.dlogits.data());
  LinearBackward(static_cast<int>(M), H, V, st.norm_final.data(), LmHead(params_),
                 buf.dlogits.data(), buf.dhead.data(), false, LmHead(grads));
  RmsNormBackward(M, H, st.x_scored.data(), FinalNorm(params_), st.rstd_final.data(),
                  buf.dhead.data(), buf.dx_scored.data(), FinalNorm(grads));
  buf.dx.assign(N * H, 0.0f);
  for (int64_t m = 0; m < M; ++m) {
    std::copy_n(buf.dx_scored.data() + m * H, H, buf.dx.data() + st.scored[m] * H);
  }
  for (int layer = c.num_layers - 1; layer >= 0; --layer) {
    LayerBackward(layer, st, st.layers[layer], buf.dx, buf, grads);
  }
  EmbeddingBackward(N, H, st.tokens.data(), buf.dx.data(), Embedding(grads));
}

}  // namespace ropescale::cpu
