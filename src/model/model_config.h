#pragma once
// Shape of a LLaMA-family decoder (RMSNorm, rotary GQA attention, SwiGLU MLP).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "src/rope/rope_spec.h"

namespace ropescale {

struct ModelConfig {
  int vocab_size = 256;
  int hidden_size = 128;
  int intermediate_size = 384;
  int num_layers = 4;
  int num_heads = 4;
  int num_kv_heads = 4;
  int head_dim = 32;
  double rms_norm_eps = 1e-5;
  bool tie_word_embeddings = false;
  int bos_token_id = -1;  // -1 = none
  int eos_token_id = -1;
  // The model's own RoPE (base, rotary dims, context). rope.head_dim == head_dim.
  RopeSpec rope;

  bool operator==(const ModelConfig&) const = default;
};

// Throws Error naming the field when the shape is inconsistent.
void ValidateModelConfig(const ModelConfig& config);

// Parameter names (Hugging Face LLaMA names, e.g. "model.layers.0.self_attn.q_proj.weight")
// and shapes ([out, in] row-major for projections), in a fixed canonical order.
std::vector<std::pair<std::string, std::vector<int64_t>>> ParameterShapes(
    const ModelConfig& config);
int64_t ParameterCount(const ModelConfig& config);

}  // namespace ropescale
