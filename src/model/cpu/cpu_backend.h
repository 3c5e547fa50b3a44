#pragma once
// The CPU reference backend: fp32 LLaMA forward/backward and AdamW, multi-threaded with OpenMP
// (OpenBLAS single-threaded inside). The oracle every other backend is tested against.
#include <cstdint>
#include <string>
#include <vector>

#include "src/model/backend.h"
#include "src/model/cpu/token_rotary.h"
#include "src/model/flat_parameters.h"

namespace ropescale::cpu {

// What one decoder layer keeps for the backward pass ([N = B*T, ...] row-major).
struct LayerActivations {
  std::vector<float> x_in;   // [N, H] residual stream entering the layer
  std::vector<float> rstd1;  // [N]
  std::vector<float> norm1;  // [N, H]
  std::vector<float> q;      // [N, nh*hd] after RoPE
  std::vector<float> k;      // [N, nkv*hd] after RoPE
  std::vector<float> v;      // [N, nkv*hd]
  std::vector<float> att;    // [N, nh*hd] attention output (input of o_proj)
  std::vector<float> x_mid;  // [N, H] residual stream after attention
  std::vector<float> rstd2;  // [N]
  std::vector<float> norm2;  // [N, H]
  std::vector<float> gate;   // [N, I]
  std::vector<float> up;     // [N, I]
  std::vector<float> mlp;    // [N, I] silu(gate) * up
};

// Everything of a Forward(keep_activations = true) that Backward() reads.
struct ForwardState {
  int batch = 0;
  int seq_len = 0;
  std::vector<int32_t> tokens;
  std::vector<int32_t> targets;
  std::vector<int32_t> segment_ids;  // empty = one document per row
  std::vector<float> weights;        // resolved loss weight per token (0 where ignored)
  TokenRotary rotary;
  std::vector<LayerActivations> layers;
  std::vector<float> x_final;  // [N, H] residual stream (entering the final norm at the end)
  // The head (final norm, lm_head, loss) runs only on the M "scored" tokens whose logits matter:
  // weight > 0, plus every target when token losses are asked for, plus each row's last token
  // when its logits are asked for. Everything below is [M, ...] in token order.
  std::vector<int64_t> scored;  // token index of each scored row
  std::vector<int32_t> scored_targets;
  std::vector<float> scored_weights;
  std::vector<float> x_scored;  // [M, H]
  std::vector<float> rstd_final;
  std::vector<float> norm_final;
  std::vector<float> logits;  // [M, V]
};

// Scratch of the backward pass, kept between calls so a training step does not page in fresh
// memory every time.
struct BackwardBuffers {
  std::vector<float> dlogits, dhead, dx_scored;  // [M, V], [M, H], [M, H] (scored tokens)
  std::vector<float> dx, dnorm;                  // [N, H]
  std::vector<float> dmlp, dgate, dup;           // [N, I]
  std::vector<float> datt, dq, dk, dv;           // [N, nh*hd], [N, nkv*hd]
};

class CpuBackend final : public Backend {
 public:
  // num_threads = 0: OpenMP's default (OMP_NUM_THREADS, else all hardware threads).
  CpuBackend(const ModelConfig& config, int num_threads);

  std::string Name() const override { return "cpu"; }
  const ModelConfig& Config() const override { return config_; }
  int num_threads() const { return num_threads_; }
  // Whether OpenMP threads wait passively (OMP_WAIT_POLICY, "passive" unless set otherwise).
  bool passive_wait() const { return passive_wait_; }

  void SetParameters(const ParameterSet& params) override;
  ParameterSet GetParameters() const override { return params_.ToParameterSet(); }
  bool AllFinite() const override;

  ForwardOutput Forward(const Batch& batch, const ForwardOptions& options) override;
  void Backward(double loss_normalizer) override;
  void ZeroGradients() override;
  BufferView GradientBuffer() override { return HostView(grads_.values()); }
  ParameterSet GetGradients() const override { return grads_.ToParameterSet(); }
  void SetGradients(const ParameterSet& grads) override;

  double OptimizerStep(const AdamWConfig& config, double lr) override;
  OptimizerState GetOptimizerState() const override;
  void SetOptimizerState(const OptimizerState& state) override;

 private:
  struct LayerWeights {
    float *ln1, *wq, *wk, *wv, *wo, *ln2, *gate, *up, *down;
  };
  LayerWeights Layer(FlatParameters& set, int layer) const;
  float* Embedding(FlatParameters& set) const;
  float* FinalNorm(FlatParameters& set) const;
  float* LmHead(FlatParameters& set) const;  // the embedding when tied

  // The whole model on a (sub-)batch, on the calling thread's resources: st holds what a
  // following BackwardRows needs (keep) or is scratch.
  ForwardOutput ForwardRows(const Batch& batch, const ForwardOptions& options, ForwardState& st);
  // Adds the gradient of st's loss / normalizer to grads.
  void BackwardRows(const ForwardState& st, double normalizer, BackwardBuffers& buf,
                    FlatParameters& grads);
  // x: the residual stream [N, H], updated in place.
  void LayerForward(int layer, ForwardState& state, LayerActivations& a, std::vector<float>& x,
                    bool keep);
  // dx: gradient of the residual stream after the layer in, before the layer out.
  void LayerBackward(int layer, const ForwardState& state, const LayerActivations& a,
                     std::vector<float>& dx, BackwardBuffers& buf, FlatParameters& grads);
  // Row groups for a batch of B rows: one per thread when there are several rows, so a whole
  // step has one fork/join instead of hundreds (see README); 1 = parallelise inside the kernels.
  int RowGroups(int batch_size) const;

  ModelConfig config_;
  int num_threads_;
  bool passive_wait_ = false;
  // Weights (the fp32 master copy), gradients and Adam moments, each one flat buffer in
  // ParameterShapes order.
  FlatParameters params_;
  FlatParameters grads_;
  FlatParameters adam_m_;
  FlatParameters adam_v_;
  int64_t step_ = 0;
  // Per row group: the last Forward(keep_activations = true), forward-only scratch (one layer
  // slot, reused), backward buffers, and gradients (groups > 1; reduced into grads_ in order).
  std::vector<ForwardState> states_;
  std::vector<ForwardState> scratch_;
  std::vector<BackwardBuffers> grad_buffers_;
  std::vector<FlatParameters> group_grads_;
  int kept_groups_ = 0;  // row groups of the kept forward; 0 = nothing kept
};

// Sets the OpenMP thread count for the current scope and restores it afterwards.
class ThreadScope {
 public:
  explicit ThreadScope(int num_threads);
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_;
};

}  // namespace ropescale::cpu
