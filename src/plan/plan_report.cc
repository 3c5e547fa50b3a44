#include "src/plan/plan_report.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

namespace ropescale::plan {
namespace {

using nlohmann::json;

// 6.472e15 -> "6.472 PFLOP".
std::string Flops(double flops) {
  static constexpr std::array<const char*, 7> kPrefix = {"", "k", "M", "G", "T", "P", "E"};
  size_t i = 0;
  while (i + 1 < kPrefix.size() && std::fabs(flops) >= 1000.0) {
    flops /= 1000.0;
    ++i;
  }
  return fmt::format("{:.4g} {}FLOP", flops, kPrefix[i]);
}

// Binary units: "17.0 GiB", "3.5 MiB", "0 B".
std::string Bytes(int64_t bytes) {
  static constexpr std::array<const char*, 6> kUnit = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  size_t i = 0;
  while (i + 1 < kUnit.size() && value >= 1024.0) {
    value /= 1024.0;
    ++i;
  }
  return i == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, kUnit[i]);
}

// Seconds to the largest unit that keeps the number >= 1: "0.13 s", "2.5 min", "3.1 h", "4.2 d".
std::string Time(double seconds) {
  if (seconds < 60.0) return fmt::format("{:.3g} s", seconds);
  if (seconds < 3600.0) return fmt::format("{:.3g} min", seconds / 60.0);
  if (seconds < 86400.0) return fmt::format("{:.3g} h", seconds / 3600.0);
  return fmt::format("{:.4g} d", seconds / 86400.0);
}

std::string DtypeName(int bytes) { return bytes == 2 ? "bf16" : bytes == 4 ? "fp32" : "-"; }

std::string Header(const Plan& p) {
  const PlanRequest& r = p.request;
  const ModelConfig& c = r.config;
  std::string scale = "pretraining window unknown";
  if (r.trained_len > 0) {
    scale = fmt::format("trained at {}: s = {:.4g}", r.trained_len,
                        static_cast<double>(r.target_len) / static_cast<double>(r.trained_len));
  }
  std::string out =
      fmt::format("ropescale plan: {} at T = {} tokens ({}), {} rank{}, backend {}\n", r.model,
                  r.target_len, scale, r.ranks, r.ranks == 1 ? "" : "s", r.backend.name);
  out += fmt::format(
      "model: {:.4g} M parameters ({:.4g} M multiplied per token: {} layers x {:.4g} M + "
      "lm_head {:.4g} M); vocab {}, hidden {}, heads {}/{} x {}, FFN {}{}\n",
      p.parameters / 1e6, p.weights_per_token / 1e6, c.num_layers, LayerMatmulWeights(c) / 1e6,
      HeadMatmulWeights(c) / 1e6, c.vocab_size, c.hidden_size, c.num_heads, c.num_kv_heads,
      c.head_dim, c.intermediate_size, c.tie_word_embeddings ? ", tied embeddings" : "");
  return out;
}

std::string FlopSection(const Plan& p) {
  std::string out = "\nFLOPs of one row of T tokens (matmul FLOPs, causal attention)\n";
  out += fmt::format("{:<24} {:>14} {:>14} {:>14} {:>22} {:>14}\n", "", "layer matmuls",
                     "attention", "lm_head", "backward (+recompute)", "total");
  const auto row = [&](const char* name, const ForwardFlops& f, double extra) {
    out += fmt::format("{:<24} {:>14} {:>14} {:>14} {:>22} {:>14}\n", name, Flops(f.layer_matmuls),
                       Flops(f.attention), Flops(f.head), extra > 0 ? Flops(extra) : "-",
                       Flops(f.Total() + extra));
  };
  row("forward", p.forward, 0);
  row("train step", p.train.forward, p.train.backward);
  row("train step, recompute", p.train_recompute.forward,
      p.train_recompute.backward + p.train_recompute.recompute);
  return out;
}

std::string MemorySection(const Plan& p) {
  const ElementBytes& b = p.request.backend.bytes;
  const ForwardMemory& f = p.forward_memory;
  const TrainingMemory& t = p.train_memory;
  const TrainingMemory& r = p.train_recompute_memory;
  const int64_t chunk = p.request.backend.logit_chunk_tokens;
  std::string out = "\nMemory per rank at T\n";
  out +=
      fmt::format("{:<44} {:>12} {:>12} {:>14}\n", "", "forward", "train step", "train, recomp.");
  const auto row = [&](const std::string& name, int64_t fwd, int64_t train, int64_t recompute) {
    out += fmt::format("{:<44} {:>12} {:>12} {:>14}\n", name, Bytes(fwd), Bytes(train),
                       Bytes(recompute));
  };
  row(fmt::format("weights ({})", DtypeName(b.weight)), f.weights, t.weights, r.weights);
  if (b.master > 0) {
    row(fmt::format("master weights ({})", DtypeName(b.master)), 0, t.master, r.master);
  }
  row(fmt::format("gradients ({})", DtypeName(b.gradient)), 0, t.gradients, r.gradients);
  row(fmt::format("AdamW moments m, v ({})", DtypeName(b.moment)), 0, t.moments, r.moments);
  row(fmt::format("activations kept / residual ({})", DtypeName(b.activation)), f.residual,
      t.stored_activations, r.stored_activations);
  row("one layer's working set / recomputed layer", f.layer, 0, r.recomputed_layer);
  row("backward scratch (one layer)", 0, t.backward_scratch, r.backward_scratch);
  row("attention scratch", f.attention_scratch, t.attention_scratch, r.attention_scratch);
  row(chunk > 0 ? fmt::format("lm_head and logits (chunks of {} tokens)", chunk)
                : std::string("lm_head and logits (all T at once)"),
      f.head, t.head, r.head);
  row("total", f.Total(), t.Total(), r.Total());
  out += fmt::format("KV cache of greedy decoding (eval passkey), one row of T: {}\n",
                     Bytes(p.decode_cache));
  return out;
}

std::string TimeSection(const Plan& p) {
  const PlanRequest& r = p.request;
  const SearchShape& s = r.search;
  std::string out =
      fmt::format("\nTime at {} per rank ({}{})\n", Flops(p.rank_flops_per_s) + "/s",
                  r.flops_per_s > 0 ? "the rate given" : r.backend.throughput_source,
                  r.flops_per_s > 0 || !r.backend.unit_is_thread
                      ? ""
                      : fmt::format(", {} thread{}", r.threads, r.threads == 1 ? "" : "s"));
  out += fmt::format("{:<44} {:>12}\n", "forward", Time(p.forward_s));
  out += fmt::format("{:<44} {:>12}\n", "train step", Time(p.train_step_s));
  out += fmt::format("{:<44} {:>12}\n", "train step, recompute", Time(p.train_step_recompute_s));
  out += fmt::format("{:<44} {:>12}\n",
                     fmt::format("search candidate ({} documents, one rank)", s.documents),
                     Time(p.search.candidate_s));
  out += fmt::format("{:<44} {:>12}\n",
                     fmt::format("whole search on {} rank{}", r.ranks, r.ranks == 1 ? "" : "s"),
                     Time(p.search.wall_s));
  out += fmt::format(
      "search: population {} + {} generations x {} new candidates = {} candidates x {} "
      "documents = {} forwards ({} in all)\n",
      s.population, s.generations, s.children, p.search.candidates, s.documents, p.search.forwards,
      Flops(static_cast<double>(p.search.forwards) * p.forward.Total()));
  return out;
}

json FlopsJson(const ForwardFlops& f) {
  return json{{"layer_matmuls", f.layer_matmuls},
              {"attention", f.attention},
              {"head", f.head},
              {"total", f.Total()}};
}

json TrainFlopsJson(const TrainingStepFlops& t) {
  return json{{"forward", FlopsJson(t.forward)},
              {"backward", t.backward},
              {"recompute", t.recompute},
              {"total", t.Total()}};
}

json TrainMemoryJson(const TrainingMemory& m) {
  return json{{"weights", m.weights},
              {"master", m.master},
              {"gradients", m.gradients},
              {"moments", m.moments},
              {"stored_activations", m.stored_activations},
              {"recomputed_layer", m.recomputed_layer},
              {"backward_scratch", m.backward_scratch},
              {"attention_scratch", m.attention_scratch},
              {"head", m.head},
              {"total", m.Total()}};
}

}  // namespace

std::string PlanFormulas() {
  return "Formulas (D hidden, L layers, H query heads, Hkv kv heads, d head dim, F FFN, V vocab, "
         "T tokens; FLOP = 2 per multiply-add):\n"
         "  W = D*H*d + 2*D*Hkv*d + H*d*D + 3*D*F  (weights a token meets in one layer)\n"
         "  forward = 2*T*L*W + 2*L*H*d*T*(T+1) + 2*T*V*D  (layers, causal QK^T and PV, lm_head)\n"
         "  train step = 3 * (layers + lm_head) + 3.5 * attention; per-layer recomputation adds "
         "one more forward of the layers (layers + attention)\n"
         "  memory: weights P*bytes; training adds an fp32 master copy (bf16 weights), fp32 "
         "gradients and 2 fp32 moments; a layer's activations T*(2D + 2*H*d + 2*Hkv*d + 3F + 2), "
         "kept (+2D) for all L layers in training, or T*D per layer plus one layer with "
         "recomputation; logits chunk*V*4 (src/plan/README.md)\n"
         "  time = FLOPs / (FLOP/s of one rank); search wall = sum over generations of "
         "ceil(new candidates * documents / ranks) * forward time\n";
}

std::string PlanTable(const Plan& plan) {
  return Header(plan) + FlopSection(plan) + MemorySection(plan) + TimeSection(plan) + "\n" +
         PlanFormulas();
}

json PlanJson(const Plan& p) {
  const PlanRequest& r = p.request;
  const ModelConfig& c = r.config;
  json out;
  out["model"] = r.model;
  out["target_len"] = r.target_len;
  out["trained_len"] = r.trained_len;
  out["ranks"] = r.ranks;
  out["threads"] = r.threads;
  out["backend"] = {{"name", r.backend.name},
                    {"unit_flops_per_s", r.backend.unit_flops_per_s},
                    {"efficiency", r.backend.efficiency},
                    {"logit_chunk_tokens", r.backend.logit_chunk_tokens},
                    {"rank_flops_per_s", p.rank_flops_per_s}};
  out["shape"] = {{"vocab_size", c.vocab_size},
                  {"hidden_size", c.hidden_size},
                  {"intermediate_size", c.intermediate_size},
                  {"num_layers", c.num_layers},
                  {"num_heads", c.num_heads},
                  {"num_kv_heads", c.num_kv_heads},
                  {"head_dim", c.head_dim},
                  {"tie_word_embeddings", c.tie_word_embeddings}};
  out["parameters"] = p.parameters;
  out["weights_per_token"] = p.weights_per_token;
  out["flops"] = {{"forward", FlopsJson(p.forward)},
                  {"train_step", TrainFlopsJson(p.train)},
                  {"train_step_recompute", TrainFlopsJson(p.train_recompute)}};
  const ForwardMemory& f = p.forward_memory;
  out["memory_bytes"] = {{"forward",
                          {{"weights", f.weights},
                           {"residual", f.residual},
                           {"layer", f.layer},
                           {"attention_scratch", f.attention_scratch},
                           {"head", f.head},
                           {"total", f.Total()}}},
                         {"train_step", TrainMemoryJson(p.train_memory)},
                         {"train_step_recompute", TrainMemoryJson(p.train_recompute_memory)},
                         {"decode_cache", p.decode_cache}};
  out["seconds"] = {{"forward", p.forward_s},
                    {"train_step", p.train_step_s},
                    {"train_step_recompute", p.train_step_recompute_s},
                    {"search_candidate", p.search.candidate_s},
                    {"search", p.search.wall_s}};
  out["search"] = {
      {"population", r.search.population},   {"children_per_generation", r.search.children},
      {"generations", r.search.generations}, {"documents", r.search.documents},
      {"candidates", p.search.candidates},   {"forwards", p.search.forwards}};
  return out;
}

}  // namespace ropescale::plan
