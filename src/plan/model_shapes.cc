// Each shape is the model's published config.json (Hugging Face hub, the files named below),
// field for field; tests/plan/model_shapes_test.cc checks them against the stored published
// configs of the same family (tests/fixtures/rope) and against data/tiny-llama.h5.
#include "src/plan/model_shapes.h"

#include <fmt/format.h>

#include "src/core/error.h"

namespace ropescale::plan {
namespace {

struct Shape {
  const char* name;
  int vocab, hidden, intermediate, layers, heads, kv_heads, head_dim;
  double rms_norm_eps, rope_theta;
  int context;  // max_position_embeddings: the length the model was trained at
  int bos, eos;
};

constexpr Shape kShapes[] = {
    // meta-llama/Meta-Llama-3-8B config.json.
    {"llama3-8b", 128256, 4096, 14336, 32, 32, 8, 128, 1e-5, 500000.0, 8192, 128000, 128001},
    // microsoft/Phi-3-mini-4k-instruct config.json (fused qkv/gate_up in the checkpoint; the
    // same parameters as the LLaMA names here).
    {"phi3-mini", 32064, 3072, 8192, 32, 32, 32, 96, 1e-5, 10000.0, 4096, 1, 32000},
    // data/tiny-llama.h5 (data/README.md).
    {"tiny", 256, 128, 384, 4, 4, 4, 32, 1e-5, 10000.0, 256, -1, -1},
};

ModelConfig ToConfig(const Shape& s) {
  ModelConfig c;
  c.vocab_size = s.vocab;
  c.hidden_size = s.hidden;
  c.intermediate_size = s.intermediate;
  c.num_layers = s.layers;
  c.num_heads = s.heads;
  c.num_kv_heads = s.kv_heads;
  c.head_dim = s.head_dim;
  c.rms_norm_eps = s.rms_norm_eps;
  c.tie_word_embeddings = false;
  c.bos_token_id = s.bos;
  c.eos_token_id = s.eos;
  c.rope.base = s.rope_theta;
  c.rope.head_dim = s.head_dim;
  c.rope.max_position_embeddings = s.context;
  ValidateModelConfig(c);
  return c;
}

}  // namespace

std::vector<std::string> NamedModelShapes() {
  std::vector<std::string> names;
  for (const Shape& shape : kShapes) names.emplace_back(shape.name);
  return names;
}

ModelConfig NamedModelShape(std::string_view name) {
  for (const Shape& shape : kShapes) {
    if (name == shape.name) return ToConfig(shape);
  }
  Fail("model shape '{}' is unknown (known: {})", name, fmt::join(NamedModelShapes(), ", "));
}

}  // namespace ropescale::plan
