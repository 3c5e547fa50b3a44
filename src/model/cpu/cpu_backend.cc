// Parameters, gradients, optimizer state and the AdamW step of the CPU backend.
#include "src/model/cpu/cpu_backend.h"

#include <fmt/format.h>
#include <omp.h>

#include <cmath>
#include <utility>

#include "src/core/error.h"
#include "src/model/cpu/adamw.h"
#include "src/model/cpu/gemm.h"
#include "src/model/cpu/grad_norm.h"
#include "src/model/cpu/parallel.h"

namespace ropescale::cpu {

bool PassiveWaitDefaultInstalled();  // omp_wait_policy.cc

ThreadScope::ThreadScope(int num_threads) : previous_(omp_get_max_threads()) {
  omp_set_num_threads(num_threads);
}
ThreadScope::~ThreadScope() { omp_set_num_threads(previous_); }

CpuBackend::CpuBackend(const ModelConfig& config, int num_threads)
    : config_(config), num_threads_(num_threads > 0 ? num_threads : omp_get_max_threads()) {
  ValidateModelConfig(config_);
  passive_wait_ = PassiveWaitDefaultInstalled();
  UseSingleThreadedBlas();
  params_ = FlatParameters(config_);
  grads_ = FlatParameters(config_);
  adam_m_ = FlatParameters(config_);
  adam_v_ = FlatParameters(config_);
}

void CpuBackend::SetParameters(const ParameterSet& params) {
  params_.CopyFrom(params, "SetParameters");
}

bool CpuBackend::AllFinite() const {
  ThreadScope threads(num_threads_);
  int64_t bad = 0;
  for (const FlatParameters* set : {&params_, &adam_m_, &adam_v_}) {
    const float* x = set->values().data();
    const int64_t n = set->size();
#pragma omp parallel for schedule(static) reduction(+ : bad) if (n >= kMinParallelWork)
    for (int64_t i = 0; i < n; ++i) bad += std::isfinite(x[i]) ? 0 : 1;
  }
  return bad == 0;
}

void CpuBackend::ZeroGradients() { grads_.Fill(0.0f); }

void CpuBackend::SetGradients(const ParameterSet& grads) { grads_.CopyFrom(grads, "SetGradients"); }

double CpuBackend::OptimizerStep(const AdamWConfig& config, double lr) {
  ThreadScope threads(num_threads_);
  // The norm of the whole gradient buffer (after a caller's all-reduce: the global norm),
  // summed tensor by tensor in name order as the ParameterSet-based backend did, so the
  // numbers stay bit-identical to it.
  const float* grad = grads_.values().data();
  double sum_sq = 0.0;
  for (const auto& [name, index] : grads_.by_name()) {
    const FlatParameters::Entry& e = grads_.entries()[index];
    sum_sq += SumOfSquares(e.count, grad + e.offset);
  }
  const double norm = std::sqrt(sum_sq);
  // A non-finite gradient leaves weights and moments untouched; the caller sees the norm.
  if (!std::isfinite(norm)) return norm;
  AdamWStep step;
  step.lr = lr;
  step.beta1 = config.beta1;
  step.beta2 = config.beta2;
  step.eps = config.eps;
  step.grad_scale =
      config.grad_clip > 0.0 && norm > config.grad_clip ? config.grad_clip / (norm + 1e-6) : 1.0;
  step.step = ++step_;
  float* param = params_.values().data();
  float* m = adam_m_.values().data();
  float* v = adam_v_.values().data();
  for (const FlatParameters::Entry& e : params_.entries()) {
    step.weight_decay = e.shape.size() >= 2 ? config.weight_decay : 0.0;
    AdamWUpdate(e.count, step, grad + e.offset, param + e.offset, m + e.offset, v + e.offset);
  }
  return norm;
}

OptimizerState CpuBackend::GetOptimizerState() const {
  OptimizerState state;
  state.step = step_;
  state.m = adam_m_.ToParameterSet();
  state.v = adam_v_.ToParameterSet();
  return state;  // master stays empty: params_ is the fp32 master copy
}

void CpuBackend::SetOptimizerState(const OptimizerState& state) {
  Check(state.step >= 0, "SetOptimizerState: step must be >= 0 (got {})", state.step);
  // Check everything before changing anything.
  const bool fresh = state.step == 0 && state.m.empty() && state.v.empty();
  FlatParameters m(config_), v(config_), master;
  if (!fresh) {
    m.CopyFrom(state.m, "SetOptimizerState (m)");
    v.CopyFrom(state.v, "SetOptimizerState (v)");
  }
  // fp32 master weights written by a backend with lower-precision working weights: they are
  // the weights to resume from, so they replace this backend's (fp32) weights.
  if (!state.master.empty()) {
    master = FlatParameters(config_);
    master.CopyFrom(state.master, "SetOptimizerState (master)");
  }
  adam_m_ = std::move(m);
  adam_v_ = std::move(v);
  if (master.size() > 0) params_ = std::move(master);
  step_ = state.step;
}

CpuBackend::LayerWeights CpuBackend::Layer(FlatParameters& set, int layer) const {
  const std::string p = fmt::format("model.layers.{}.", layer);
  auto at = [&](const char* suffix) { return set.Find(p + suffix); };
  return {at("input_layernorm.weight"),  at("self_attn.q_proj.weight"),
          at("self_attn.k_proj.weight"), at("self_attn.v_proj.weight"),
          at("self_attn.o_proj.weight"), at("post_attention_layernorm.weight"),
          at("mlp.gate_proj.weight"),    at("mlp.up_proj.weight"),
          at("mlp.down_proj.weight")};
}

float* CpuBackend::Embedding(FlatParameters& set) const {
  return set.Find("model.embed_tokens.weight");
}
float* CpuBackend::FinalNorm(FlatParameters& set) const { return set.Find("model.norm.weight"); }
float* CpuBackend::LmHead(FlatParameters& set) const {
  return config_.tie_word_embeddings ? Embedding(set) : set.Find("lm_head.weight");
}

}  // namespace ropescale::cpu
