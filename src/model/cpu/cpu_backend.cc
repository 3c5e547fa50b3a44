// Parameters, gradients, optimizer state and the AdamW step of the CPU backend.
#include "src/model/cpu/cpu_backend.h"

#include <fmt/ranges.h>
#include <omp.h>

#include <cmath>

#include "src/core/error.h"
#include "src/model/cpu/adamw.h"
#include "src/model/cpu/gemm.h"
#include "src/model/cpu/grad_norm.h"

namespace ropescale::cpu {

bool PassiveWaitDefaultInstalled();  // omp_wait_policy.cc

namespace {

ParameterSet ZerosLike(const ModelConfig& config) {
  ParameterSet set;
  for (const auto& [name, shape] : ParameterShapes(config)) set.emplace(name, Tensor(shape));
  return set;
}

// Copies `from` into `to` after checking that both hold the same names and shapes.
void CopyChecked(const ParameterSet& from, ParameterSet& to, const char* what) {
  for (const auto& [name, tensor] : from) {
    Check(to.count(name) == 1, "{}: unexpected tensor '{}' for this model config", what, name);
  }
  for (auto& [name, tensor] : to) {
    auto it = from.find(name);
    Check(it != from.end(), "{}: tensor '{}' is missing", what, name);
    Check(it->second.shape == tensor.shape, "{}: tensor '{}' has shape [{}], expected [{}]", what,
          name, fmt::join(it->second.shape, ","), fmt::join(tensor.shape, ","));
    Check(it->second.numel() == tensor.numel(), "{}: tensor '{}' has {} values for its shape", what,
          name, it->second.numel());
  }
  for (auto& [name, tensor] : to) tensor.data = from.at(name).data;
}

}  // namespace

ThreadScope::ThreadScope(int num_threads) : previous_(omp_get_max_threads()) {
  omp_set_num_threads(num_threads);
}
ThreadScope::~ThreadScope() { omp_set_num_threads(previous_); }

CpuBackend::CpuBackend(const ModelConfig& config, int num_threads)
    : config_(config), num_threads_(num_threads > 0 ? num_threads : omp_get_max_threads()) {
  ValidateModelConfig(config_);
  passive_wait_ = PassiveWaitDefaultInstalled();
  UseSingleThreadedBlas();
  params_ = ZerosLike(config_);
  grads_ = ZerosLike(config_);
  adam_m_ = ZerosLike(config_);
  adam_v_ = ZerosLike(config_);
}

void CpuBackend::SetParameters(const ParameterSet& params) {
  CopyChecked(params, params_, "SetParameters");
}

void CpuBackend::ZeroGradients() {
  for (auto& [name, tensor] : grads_) std::fill(tensor.data.begin(), tensor.data.end(), 0.0f);
}

void CpuBackend::SetGradients(const ParameterSet& grads) {
  CopyChecked(grads, grads_, "SetGradients");
}

double CpuBackend::OptimizerStep(const AdamWConfig& config, double lr) {
  ThreadScope threads(num_threads_);
  double sum_sq = 0.0;
  for (const auto& [name, grad] : grads_) sum_sq += SumOfSquares(grad.numel(), grad.data.data());
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
  for (auto& [name, param] : params_) {
    step.weight_decay = param.shape.size() >= 2 ? config.weight_decay : 0.0;
    AdamWUpdate(param.numel(), step, grads_.at(name).data.data(), param.data.data(),
                adam_m_.at(name).data.data(), adam_v_.at(name).data.data());
  }
  return norm;
}

OptimizerState CpuBackend::GetOptimizerState() const {
  OptimizerState state;
  state.step = step_;
  state.m = adam_m_;
  state.v = adam_v_;
  return state;
}

void CpuBackend::SetOptimizerState(const OptimizerState& state) {
  Check(state.step >= 0, "SetOptimizerState: step must be >= 0 (got {})", state.step);
  if (state.step == 0 && state.m.empty() && state.v.empty()) {
    adam_m_ = ZerosLike(config_);
    adam_v_ = ZerosLike(config_);
  } else {
    CopyChecked(state.m, adam_m_, "SetOptimizerState (m)");
    CopyChecked(state.v, adam_v_, "SetOptimizerState (v)");
  }
  step_ = state.step;
}

CpuBackend::LayerWeights CpuBackend::Layer(ParameterSet& set, int layer) const {
  const std::string p = fmt::format("model.layers.{}.", layer);
  auto at = [&](const char* suffix) { return set.at(p + suffix).data.data(); };
  return {at("input_layernorm.weight"),  at("self_attn.q_proj.weight"),
          at("self_attn.k_proj.weight"), at("self_attn.v_proj.weight"),
          at("self_attn.o_proj.weight"), at("post_attention_layernorm.weight"),
          at("mlp.gate_proj.weight"),    at("mlp.up_proj.weight"),
          at("mlp.down_proj.weight")};
}

float* CpuBackend::Embedding(ParameterSet& set) const {
  return set.at("model.embed_tokens.weight").data.data();
}
float* CpuBackend::FinalNorm(ParameterSet& set) const {
  return set.at("model.norm.weight").data.data();
}
float* CpuBackend::LmHead(ParameterSet& set) const {
  return config_.tie_word_embeddings ? Embedding(set) : set.at("lm_head.weight").data.data();
}

}  // namespace ropescale::cpu
