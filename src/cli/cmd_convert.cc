// `ropescale convert`: Hugging Face folder <-> HDF5 checkpoint. The direction follows the
// paths: an output ending in .h5 gets a checkpoint, any other output a HF folder; the input
// may be either (a folder or config.json, or an .h5 file).
#include <spdlog/spdlog.h>

#include <cstdint>
#include <string>

#include "io/checkpoint.h"
#include "io/hf_model.h"
#include "io/model_loader.h"
#include "src/cli/commands.h"
#include "src/core/error.h"
#include "src/core/output_paths.h"

namespace ropescale::cli {
namespace {

struct ConvertOptions {
  std::string input;
  std::string output;
  std::string dtype = "keep";
  int64_t shard_size = 0;
  std::string architecture = "llama";
};

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void RunConvert(const ConvertOptions& options) {
  Check(options.shard_size >= 0, "convert: --shard-size must be >= 0 (got {})", options.shard_size);
  const bool to_checkpoint = EndsWith(options.output, ".h5") || EndsWith(options.output, ".hdf5");
  // Before reading the model: the output is writable and overwrites no input.
  if (to_checkpoint) {
    CheckOutputPaths({{"--output", options.output}}, {{"--input", options.input}});
  } else {
    CheckOutputFolder("--output", options.output, {{"--input", options.input}});
  }
  spdlog::info("convert: reading {}", options.input);
  Checkpoint checkpoint = LoadModel(options.input);
  if (options.dtype != "keep") CastWeights(checkpoint, SafetensorsDtypeFromName(options.dtype));
  checkpoint.provenance = CurrentProvenance();
  if (to_checkpoint) {
    WriteCheckpoint(options.output, checkpoint);
  } else {
    WriteHfModel(
        options.output, checkpoint,
        {.dtype = "keep", .shard_size = options.shard_size, .architecture = options.architecture});
  }
  spdlog::info("convert: wrote {} ({} weights)", options.output, checkpoint.weights.size());
}

}  // namespace

void AddConvertCommand(CLI::App& app) {
  auto options = std::make_shared<ConvertOptions>();
  CLI::App* command = app.add_subcommand(
      "convert",
      "Convert a model between a Hugging Face folder (config.json + safetensors) and an HDF5 "
      "checkpoint (.h5); the output's suffix picks the format");
  command->add_option("--input", options->input, "HF folder, its config.json, or an .h5 file")
      ->required();
  command
      ->add_option("--output", options->output,
                   "an .h5 file (checkpoint) or a folder (HF LlamaForCausalLM)")
      ->required();
  command
      ->add_option("--dtype", options->dtype,
                   "weight storage dtype: keep (each weight's source dtype), f32, f16, bf16")
      ->check(CLI::IsMember({"keep", "f32", "f16", "bf16"}))
      ->capture_default_str();
  command
      ->add_option("--shard-size", options->shard_size,
                   "HF output: max bytes per safetensors shard (0 = one model.safetensors)")
      ->capture_default_str();
  command
      ->add_option("--arch", options->architecture,
                   "HF output: llama (LlamaForCausalLM) or phi3 (Phi3ForCausalLM, fused "
                   "qkv/gate_up, rope_scaling {type, short_factor, long_factor})")
      ->check(CLI::IsMember({"llama", "phi3"}))
      ->capture_default_str();
  command->callback([options] { RunConvert(*options); });
}

}  // namespace ropescale::cli
