#include "src/model/model_config.h"

#include <fmt/format.h>

#include "src/core/error.h"

namespace ropescale {
namespace {

void CheckPositive(int value, const char* field) {
  Check(value > 0, "model config: {} must be positive (got {})", field, value);
}

}  // namespace

void ValidateModelConfig(const ModelConfig& config) {
  CheckPositive(config.vocab_size, "vocab_size");
  CheckPositive(config.hidden_size, "hidden_size");
  CheckPositive(config.intermediate_size, "intermediate_size");
  CheckPositive(config.num_layers, "num_layers");
  CheckPositive(config.num_heads, "num_heads");
  CheckPositive(config.num_kv_heads, "num_kv_heads");
  CheckPositive(config.head_dim, "head_dim");
  Check(config.num_heads % config.num_kv_heads == 0,
        "model config: num_heads ({}) must be a multiple of num_kv_heads ({})", config.num_heads,
        config.num_kv_heads);
  Check(config.rms_norm_eps > 0.0, "model config: rms_norm_eps must be positive (got {})",
        config.rms_norm_eps);
  Check(config.bos_token_id >= -1 && config.bos_token_id < config.vocab_size,
        "model config: bos_token_id {} is outside [-1, vocab_size)", config.bos_token_id);
  Check(config.eos_token_id >= -1 && config.eos_token_id < config.vocab_size,
        "model config: eos_token_id {} is outside [-1, vocab_size)", config.eos_token_id);
  Check(config.rope.head_dim == config.head_dim,
        "model config: rope.head_dim ({}) must equal head_dim ({})", config.rope.head_dim,
        config.head_dim);
  ValidateRopeSpec(config.rope);
}

std::vector<std::pair<std::string, std::vector<int64_t>>> ParameterShapes(
    const ModelConfig& config) {
  const int64_t vocab = config.vocab_size, hidden = config.hidden_size;
  const int64_t inter = config.intermediate_size;
  const int64_t q_dim = static_cast<int64_t>(config.num_heads) * config.head_dim;
  const int64_t kv_dim = static_cast<int64_t>(config.num_kv_heads) * config.head_dim;
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
  shapes.push_back({"model.embed_tokens.weight", {vocab, hidden}});
  for (int layer = 0; layer < config.num_layers; ++layer) {
    const std::string prefix = fmt::format("model.layers.{}.", layer);
    shapes.push_back({prefix + "input_layernorm.weight", {hidden}});
    shapes.push_back({prefix + "self_attn.q_proj.weight", {q_dim, hidden}});
    shapes.push_back({prefix + "self_attn.k_proj.weight", {kv_dim, hidden}});
    shapes.push_back({prefix + "self_attn.v_proj.weight", {kv_dim, hidden}});
    shapes.push_back({prefix + "self_attn.o_proj.weight", {hidden, q_dim}});
    shapes.push_back({prefix + "post_attention_layernorm.weight", {hidden}});
    shapes.push_back({prefix + "mlp.gate_proj.weight", {inter, hidden}});
    shapes.push_back({prefix + "mlp.up_proj.weight", {inter, hidden}});
    shapes.push_back({prefix + "mlp.down_proj.weight", {hidden, inter}});
  }
  shapes.push_back({"model.norm.weight", {hidden}});
  if (!config.tie_word_embeddings) shapes.push_back({"lm_head.weight", {vocab, hidden}});
  return shapes;
}

int64_t ParameterCount(const ModelConfig& config) {
  int64_t count = 0;
  for (const auto& [name, shape] : ParameterShapes(config)) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    count += n;
  }
  return count;
}

}  // namespace ropescale
