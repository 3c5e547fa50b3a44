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

TEST(ModelShapes, TheIssuesShapes) {
  const ModelConfig llama = NamedModelShape("llama3-8b");
  EXPECT_EQ(llama.hidden_size, 4096);
  EXPECT_EQ(llama.num_layers, 32);
  EXPECT_EQ(llama.num_heads, 32);
  EXPECT_EQ(llama.num_kv_heads, 8);
  EXPECT_EQ(llama.head_dim, 128);
  EXPECT_EQ(llama.intermediate_size, 14336);
  EXPECT_EQ(llama.vocab_size, 128256);
  EXPECT_EQ(llama.rope.max_position_embeddings, 8192);
  const ModelConfig phi = NamedModelShape("phi3-mini");
  EXPECT_EQ(phi.hidden_size, 3072);
  EXPECT_EQ(phi.num_layers, 32);
  EXPECT_EQ(phi.num_heads, 32);
  EXPECT_EQ(phi.num_kv_heads, 32);
  EXPECT_EQ(phi.head_dim, 96);
  EXPECT_EQ(phi.intermediate_size, 8192);
  EXPECT_EQ(phi.vocab_size, 32064);
  EXPECT_EQ(phi.rope.max_position_embeddings, 4096);
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
