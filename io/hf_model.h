#pragma once
// Hugging Face model folders (config.json + safetensors) <-> Checkpoint. Reads LLaMA
// (LlamaForCausalLM / "llama") and Phi-3 (Phi3ForCausalLM / "phi3": fused qkv_proj and
// gate_up_proj are split into LLaMA names); writes LLaMA. Weights keep the HF rotate_half
// layout (no q/k permutation). Conventions in io/README.md.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "io/checkpoint.h"

namespace ropescale {

// `path` is the folder or its config.json. Every weight's source dtype goes to
// Checkpoint::weight_dtypes. Errors name the file and the field or tensor.
Checkpoint ReadHfModel(const std::string& path);
// The model config of a HF folder (or its config.json) from config.json alone: no weights are
// read, so a model can be planned for before its safetensors are downloaded.
ModelConfig ReadHfModelConfig(const std::string& path);

struct HfWriteOptions {
  std::string dtype = "keep";  // "keep" (each weight's weight_dtypes entry), "f32", "f16", "bf16"
  int64_t shard_size = 0;      // bytes per safetensors shard; 0 = one model.safetensors
  // "llama": LlamaForCausalLM. "phi3": Phi3ForCausalLM with fused qkv_proj / gate_up_proj and
  // rope_scaling exactly {type, short_factor, long_factor} (needs head_dim = hidden / heads,
  // a default or longrope RoPE with factor M/L and no explicit attention factor).
  std::string architecture = "llama";
};

// Writes config.json (LlamaForCausalLM or Phi3ForCausalLM, ints as ints, floats as floats, dtype
// and torch_dtype, RoPE via WriteRopeToHfConfig) and the safetensors weights into `folder`.
void WriteHfModel(const std::string& folder, const Checkpoint& checkpoint,
                  const HfWriteOptions& options = {});

// The config.json object WriteHfModel writes for architecture "llama" or "phi3".
nlohmann::json HfConfigJson(const Checkpoint& checkpoint, const std::string& torch_dtype,
                            const std::string& architecture = "llama");

// "f32"/"f16"/"bf16" (any case, or "F32"/"float16"/...) -> "F32"/"F16"/"BF16"; throws otherwise.
std::string SafetensorsDtypeFromName(const std::string& name);

// Rounds every weight to `dtype` ("F32", "F16", "BF16") and records it in weight_dtypes.
void CastWeights(Checkpoint& checkpoint, const std::string& dtype);

// The tokenizer.json (preferred) or tokenizer.model of a HF folder (given as the folder or its
// config.json), if it has one; ReadHfModel carries it and WriteHfModel writes it back.
std::optional<TokenizerFile> ReadHfTokenizerFile(const std::string& path);

}  // namespace ropescale
