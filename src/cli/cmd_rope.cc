// `ropescale rope`: inspect a RoPE. `show` prints the frequencies a config.json gives at a
// sequence length (as transformers computes them); `critical-dim` prints LongRoPE2's
// theoretical critical dimension. Results go to stdout; --json prints one JSON object.
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>

#include "io/json_file.h"
#include "src/cli/commands.h"
#include "src/core/error.h"
#include "src/rope/critical_dim.h"
#include "src/rope/hf_rope_config.h"
#include "src/rope/rope_frequencies.h"

namespace ropescale::cli {
namespace {

struct ShowOptions {
  std::string config_path;
  int64_t seq_len = 0;  // 0 = the config's max_position_embeddings
  bool json = false;
};

struct CriticalDimOptions {
  int head_dim = 0;
  double base = 0.0;
  double train_len = 0.0;
  bool json = false;
};

// --config names config.json or the folder that holds it.
std::string ConfigFilePath(const std::string& config) {
  std::filesystem::path path(config);
  if (std::filesystem::is_directory(path)) path /= "config.json";
  return path.string();
}

nlohmann::json ShowJson(const RopeSpec& spec, const RopeFrequencies& freqs, int64_t seq_len) {
  nlohmann::json out;
  out["rope_type"] = std::string(RopeKindName(spec.kind));
  out["inv_freq"] = freqs.inv_freq;
  out["attention_scaling"] = freqs.attention_scaling;
  out["rotary_dim"] = spec.rotary_dim();
  out["head_dim"] = spec.head_dim;
  out["partial_rotary_factor"] = spec.partial_rotary_factor;
  out["base"] = spec.base;
  out["seq_len"] = seq_len;
  out["max_position_embeddings"] = spec.max_position_embeddings;
  out["original_max_position_embeddings"] = spec.original_max_position_embeddings;
  out["scale"] = spec.scale();
  if (IsLongRope(spec.kind)) {
    out["factor_set"] = seq_len > spec.original_max_position_embeddings ? "long" : "short";
    out["n_hat"] = freqs.n_hat;
    if (freqs.n_hat > 0) out["inv_freq_leading"] = freqs.inv_freq_leading;
    if (spec.critical_index >= 0) out["critical_index"] = spec.critical_index;
  }
  return out;
}

void PrintShowTable(const RopeSpec& spec, const RopeFrequencies& freqs, int64_t seq_len) {
  fmt::print("rope_type          {}\n", RopeKindName(spec.kind));
  fmt::print("rotary_dim         {} (head_dim {} x partial_rotary_factor {})\n", spec.rotary_dim(),
             spec.head_dim, spec.partial_rotary_factor);
  fmt::print("base (rope_theta)  {}\n", spec.base);
  fmt::print("context M / L      {} / {}\n", spec.max_position_embeddings,
             spec.original_max_position_embeddings);
  fmt::print("seq_len            {}\n", seq_len);
  if (IsLongRope(spec.kind)) {
    fmt::print("factor set         {}\n",
               seq_len > spec.original_max_position_embeddings ? "long" : "short");
  }
  fmt::print("attention_scaling  {:.17g}\n", freqs.attention_scaling);
  fmt::print("{:>5} {:>24} {:>16} {:>14}\n", "i", "inv_freq", "wavelength", "vs default");
  for (size_t i = 0; i < freqs.inv_freq.size(); ++i) {
    const double original = std::pow(spec.base, -2.0 * static_cast<double>(i) / spec.rotary_dim());
    fmt::print("{:>5} {:>24.17g} {:>16.6g} {:>14.6g}\n", i, freqs.inv_freq[i],
               2.0 * std::numbers::pi / freqs.inv_freq[i], original / freqs.inv_freq[i]);
  }
}

void RunShow(const ShowOptions& options) {
  const std::string path = ConfigFilePath(options.config_path);
  const RopeSpec spec = RopeSpecFromHfConfig(ReadJsonFile(path), path);
  Check(options.seq_len >= 0, "--seq-len: must be >= 0, got {}", options.seq_len);
  const int64_t seq_len =
      options.seq_len > 0 ? options.seq_len : static_cast<int64_t>(spec.max_position_embeddings);
  const RopeFrequencies freqs = ComputeRopeFrequencies(spec, seq_len);
  if (options.json) {
    fmt::print("{}\n", ShowJson(spec, freqs, seq_len).dump());
  } else {
    PrintShowTable(spec, freqs, seq_len);
  }
}

void RunCriticalDim(const CriticalDimOptions& options) {
  const CriticalDimension result =
      TheoreticalCriticalDimension(options.head_dim, options.base, options.train_len);
  if (options.json) {
    nlohmann::json out;
    out["critical_index"] = result.critical_index;
    out["critical_dim"] = result.critical_dim;
    fmt::print("{}\n", out.dump());
  } else {
    fmt::print("critical_index {}\ncritical_dim   {}\n", result.critical_index,
               result.critical_dim);
  }
}

}  // namespace

void AddRopeCommand(CLI::App& app) {
  CLI::App* rope =
      app.add_subcommand("rope", "Inspect RoPE frequencies and LongRoPE2's critical dim");
  rope->require_subcommand(1);

  auto show_options = std::make_shared<ShowOptions>();
  CLI::App* show = rope->add_subcommand(
      "show", "Frequencies and attention scale of a config.json, as transformers computes them");
  show->add_option("--config", show_options->config_path,
                   "config.json, or the model folder that holds it")
      ->required();
  show->add_option("--seq-len", show_options->seq_len,
                   "sequence length (max position id + 1); 0 = max_position_embeddings")
      ->capture_default_str();
  show->add_flag("--json", show_options->json, "print one JSON object instead of a table");
  show->callback([show_options] { RunShow(*show_options); });

  auto dim_options = std::make_shared<CriticalDimOptions>();
  CLI::App* critical = rope->add_subcommand(
      "critical-dim", "Theoretical critical index i_c = ceil((d/2) log_b(L / 2pi)), dim = 2 i_c");
  critical->add_option("--head-dim", dim_options->head_dim, "rotary dims d")->required();
  critical->add_option("--base", dim_options->base, "rope_theta b")->required();
  critical->add_option("--train-len", dim_options->train_len, "pretraining length L")->required();
  critical->add_flag("--json", dim_options->json, "print one JSON object");
  critical->callback([dim_options] { RunCriticalDim(*dim_options); });
}

}  // namespace ropescale::cli
