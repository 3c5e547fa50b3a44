// The named shapes: the parameter counts their publishers give, and "tiny" equal to the
// shipped checkpoint's config.
#include "src/plan/model_shapes.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "io/model_loader.h"
#include "src/core/error.h"

namespace ropescale::plan {
namespace {

std::string SourceDir() {
  const char* dir = std::getenv("ROPESCALE_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

TEST(ModelShapes, ParameterCountsAreThePublishedOnes) {
  // Meta-Llama-3-8B: its bf16 safetensors index gives total_size 16,060,522,496 bytes.
  EXPECT_EQ(ParameterCount(NamedModelShape("llama3-8b")), 16060522496 / 2);
  // Phi-3-mini-4k-instruct: total_size 7,642,159,104 bytes in bf16.
  EXPECT_EQ(ParameterCount(NamedModelShape("phi3-mini")), 7642159104 / 2);
  // data/README.md: the embedded tiny model has 918,656 parameters.
  EXPECT_EQ(ParameterCount(NamedModelShape("tiny")), 918656);
}

// hidden, layers, heads, kv heads, head dim, FFN, vocab, trained length.
struct Sizes {
  int hidden, layers, heads, kv_heads, head_dim, ffn, vocab, context;
  bool operator==(const Sizes&) const = default;
};

Sizes SizesOf(const ModelConfig& c) {
  return {c.hidden_size, c.num_layers,        c.num_heads,  c.num_kv_heads,
          c.head_dim,    c.intermediate_size, c.vocab_size, c.rope.max_position_embeddings};
}

TEST(ModelShapes, TheIssuesShapes) {
  EXPECT_EQ(SizesOf(NamedModelShape("llama3-8b")),
            (Sizes{4096, 32, 32, 8, 128, 14336, 128256, 8192}));
  EXPECT_EQ(SizesOf(NamedModelShape("phi3-mini")),
            (Sizes{3072, 32, 32, 32, 96, 8192, 32064, 4096}));
}

TEST(ModelShapes, TinyIsTheShippedModel) {
  EXPECT_EQ(NamedModelShape("tiny"), LoadModelConfig(SourceDir() + "/data/tiny-llama.h5"));
}

TEST(ModelShapes, UnknownNameListsTheKnownOnes) {
  try {
    NamedModelShape("llama4-400b");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("llama4-400b"), std::string::npos) << message;
    EXPECT_NE(message.find("llama3-8b, phi3-mini, tiny"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace ropescale::plan
