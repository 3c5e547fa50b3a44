#pragma once
// THE backend interface. The search, the trainer, evaluation and the CLI talk to a model only
// through this class, so the CPU reference (src/model/cpu) and the CUDA backend
// (src/kernels) are interchangeable.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/core/buffer_view.h"
#include "src/model/batch.h"
#include "src/model/decode.h"
#include "src/model/model_config.h"
#include "src/model/tensor.h"

namespace ropescale {

// Loss as sums, so partial results (ranks, micro-batches) reduce exactly:
// mean loss = weighted_loss / weight.
struct LossSums {
  double weighted_loss = 0.0;
  double weight = 0.0;
  double Mean() const { return weight > 0.0 ? weighted_loss / weight : 0.0; }
};

struct ForwardOptions {
  bool keep_activations = false;   // needed for a following Backward()
  bool want_last_logits = false;   // logits at the last position of each row
  bool want_token_losses = false;  // unweighted cross-entropy per token
};

struct ForwardOutput {
  LossSums loss;
  std::vector<float> last_logits;   // [B * vocab] when asked for
  std::vector<float> token_losses;  // [B * T] when asked for (0 where target is ignored)
};

struct AdamWConfig {
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.1;  // decoupled; not applied to norms (1-D tensors)
  double grad_clip = 1.0;     // global L2 norm; <= 0 disables
};

// Optimizer state that a checkpoint stores and a resume restores.
struct OptimizerState {
  int64_t step = 0;
  ParameterSet m;
  ParameterSet v;
  // fp32 master weights, for a backend whose working weights are in lower precision (bf16 on the
  // device). Empty when the working weights ARE the fp32 master copy (the CPU backend): then
  // GetParameters() is the master copy and nothing more is needed to resume.
  ParameterSet master;
};

// Activations contract: Forward(keep_activations = true) keeps what the next Backward() needs;
// any number of Forward(keep_activations = false) calls in between (evaluation, scoring) never
// touch them. The next Forward(keep_activations = true) replaces them.
//
// Gradients live inside the backend as ONE flat buffer (GradientBuffer(): every parameter in
// ParameterShapes order, float32, on the backend's memory space), so a data-parallel trainer
// all-reduces them in place through a Communicator (src/dist) without a copy per tensor:
//   ZeroGradients(); Forward(keep); Backward(global_weight); comm.AllReduceSum(GradientBuffer());
//   OptimizerStep(...)  -> the clip norm is the norm of the reduced gradients, the same on every
//   rank, so every rank takes the same step.
class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::string Name() const = 0;
  virtual const ModelConfig& Config() const = 0;

  // Weights by HF name (see ParameterShapes). Set checks names and shapes and sets the fp32
  // master copy (and the working copy derived from it). Get returns the fp32 master copy.
  virtual void SetParameters(const ParameterSet& params) = 0;
  virtual ParameterSet GetParameters() const = 0;
  // True when every weight (master and working copy) and every optimizer moment is finite.
  virtual bool AllFinite() const = 0;

  // Runs the model on a batch; the loss is the per-token-weighted cross-entropy sum.
  virtual ForwardOutput Forward(const Batch& batch, const ForwardOptions& options) = 0;

  // Back-propagates the loss of the last Forward(keep_activations = true), divided by
  // loss_normalizer (the total weight of the GLOBAL batch, all ranks and micro-batches), and
  // ADDS to the gradients. Throws Error when no activations are kept.
  virtual void Backward(double loss_normalizer) = 0;
  virtual void ZeroGradients() = 0;
  // The flat gradient buffer (see above); valid until the backend is destroyed.
  virtual BufferView GradientBuffer() = 0;
  // Copies of the gradients by name (tests, debugging); not for every step.
  virtual ParameterSet GetGradients() const = 0;
  virtual void SetGradients(const ParameterSet& grads) = 0;

  // One AdamW step on the current gradients with learning rate lr; returns the global gradient
  // norm before clipping. A non-finite norm leaves weights and moments untouched.
  virtual double OptimizerStep(const AdamWConfig& config, double lr) = 0;
  virtual OptimizerState GetOptimizerState() const = 0;
  virtual void SetOptimizerState(const OptimizerState& state) = 0;

  // Incremental decoding (greedy generation in evaluation) with a KV cache kept inside the
  // backend; session rules and the RoPE choice in decode.h. Usage:
  //   BeginDecode({rows, max_len, ropes});
  //   logits = Prefill(prompts);           // [rows * prompt_len] -> [rows * vocab]
  //   logits = DecodeStep(next_tokens);    // [rows] -> [rows * vocab], once per new token
  //   EndDecode();
  // Prefill runs the prompts and fills the cache; it returns the logits after each row's last
  // prompt token, and may be called again to start over with new prompts. DecodeStep appends
  // one token per row, attending to the cache, and returns the logits after it: the last-token
  // logits a Forward of the whole sequence would give (see decode.h for the RoPE). A step
  // costs O(layers * (parameters + length * hidden)), not a recompute. The cache holds keys
  // and values of the weights at the time they were computed: SetParameters or OptimizerStep
  // in a session makes later steps inconsistent (Prefill again). Decoding never touches the
  // kept activations or the gradients: Forward(keep) ... decoding ... Backward() is exact.
  // Misuse (no session, no prompt, a row count or length that does not fit) throws Error and
  // leaves the session as it was. A backend without decoding throws Error from each call
  // except EndDecode.
  virtual void BeginDecode(const DecodeSpec& spec);
  virtual std::vector<float> Prefill(const std::vector<int32_t>& tokens);
  virtual std::vector<float> DecodeStep(const std::vector<int32_t>& tokens);
  // Frees the cache; nothing to do without a session.
  virtual void EndDecode() {}
};

// The most CPU threads a backend accepts (far above any node; a bound so that a typo cannot
// ask the OpenMP runtime for 100,000 threads, which crashes it).
inline constexpr int kMaxBackendThreads = 4096;

struct BackendOptions {
  std::string name = "cpu";  // a registered backend (see backend_registry.h)
  int num_threads = 0;       // CPU: 0 = all hardware threads; at most kMaxBackendThreads
  int device = 0;            // CUDA device ordinal
};

// Creates the registered backend `options.name` with zero-initialised weights; call
// SetParameters next. Throws Error naming the backend and the registered ones when unknown.
std::unique_ptr<Backend> CreateBackend(const ModelConfig& config, const BackendOptions& options);

}  // namespace ropescale
