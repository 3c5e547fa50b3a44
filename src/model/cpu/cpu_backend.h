#pragma once
// The CPU reference backend: fp32 LLaMA forward/backward and AdamW, multi-threaded with OpenMP
// (OpenBLAS single-threaded inside). The oracle every other backend is tested against.
#include <cstdint>
#include <string>
#include <vector>

#include "src/model/backend.h"
#include "src/model/cpu/token_rotary.h"
#include "src/model/decode.h"
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

// Buffers of one row group's tokens in a decoding call (one layer at a time).
struct DecodeScratch {
  LayerActivations layer;
  std::vector<float> x;           // [n, H] residual stream
  std::vector<float> cos, sin;    // [n, half] rotary of the tokens
  std::vector<float> x_last;      // [rows, H] each row's last token, for the head
  std::vector<float> rstd, norm;  // the final norm of those
};

// An incremental-decoding session (see ../decode.h): per layer the roped keys and the values
// of rows x max_len tokens and the rotary of every position, plus scratch per row group.
// Separate from the forward's states, so decoding never touches kept activations.
struct DecodeCache {
  DecodeCursor cursor;
  int stride = 0;                        // max_len: row b's token p sits at b * stride + p
  TokenRotary rotary;                    // [rows * max_len, half], seq_len = max_len for every row
  std::vector<std::vector<float>> k, v;  // per layer [rows * max_len, nkv*hd]
  std::vector<DecodeScratch> groups;
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

  void BeginDecode(const DecodeSpec& spec) override;
  std::vector<float> Prefill(const std::vector<int32_t>& tokens) override;
  std::vector<float> DecodeStep(const std::vector<int32_t>& tokens) override;
  void EndDecode() override { decode_ = DecodeCache(); }

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
  // The stages of LayerForward on n tokens (also run by decoding, around its own attention):
  // sizes a's buffers (x_mid only when keep); norm1, q/k/v and RoPE (cos/sin [n, half]);
  // x += o_proj(att), then x += MLP(norm2(x)) (x_mid kept when keep).
  void SizeLayer(int64_t n, bool keep, LayerActivations& a) const;
  void LayerQkv(int layer, int64_t n, const float* x, int half, const float* cos, const float* sin,
                LayerActivations& a);
  void LayerOutput(int layer, int64_t n, LayerActivations& a, float* x, bool keep);
  // Final norm and lm_head on m tokens x [m, H]: rstd [m], norm [m, H], logits [m, V].
  void HeadForward(int64_t m, const float* x, float* rstd, float* norm, float* logits);
  // `count` new tokens per row at positions [first, first + count) (a prompt: first = 0; a
  // step: count = 1) through the model, their keys and values appended to the cache; returns
  // the logits after each row's last token, [rows, V]. Rows split into row groups as Forward.
  std::vector<float> DecodeTokens(const std::vector<int32_t>& tokens, int first, int count);
  // The same for rows [row0, row0 + rows) on the calling thread's team (tokens: theirs,
  // rows x count), writing their logits [rows, V].
  void DecodeRows(const int32_t* tokens, int row0, int rows, int first, int count, DecodeScratch& s,
                  float* logits);
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
  DecodeCache decode_;   // the open decoding session, if any
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
