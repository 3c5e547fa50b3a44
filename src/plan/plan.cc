#include "src/plan/plan.h"

#include <cmath>

#include "src/core/error.h"

namespace ropescale::plan {
namespace {

void CheckRequest(const PlanRequest& r) {
  ValidateModelConfig(r.config);
  Check(r.target_len >= 1 && r.target_len <= kMaxPlanTokens,
        "plan: target length {} is outside [1, {}]", r.target_len, kMaxPlanTokens);
  Check(r.trained_len >= 0, "plan: trained length {} < 0", r.trained_len);
  Check(r.ranks >= 1, "plan: ranks must be >= 1 (got {})", r.ranks);
  Check(r.threads >= 1, "plan: threads per rank must be >= 1 (got {})", r.threads);
  Check(std::isfinite(r.flops_per_s) && r.flops_per_s >= 0,
        "plan: FLOP/s per rank must be a number >= 0 (got {})", r.flops_per_s);
  const BackendProfile& b = r.backend;
  Check(std::isfinite(b.unit_flops_per_s) && b.unit_flops_per_s > 0,
        "plan: backend {}: FLOP/s per unit must be > 0 (got {})", b.name, b.unit_flops_per_s);
  Check(std::isfinite(b.efficiency) && b.efficiency > 0 && b.efficiency <= 1,
        "plan: backend {}: efficiency {} is outside (0, 1]", b.name, b.efficiency);
  Check(b.logit_chunk_tokens >= 0, "plan: logit chunk {} < 0", b.logit_chunk_tokens);
  Check(b.attention_block_rows >= 0, "plan: attention block rows {} < 0", b.attention_block_rows);
}

}  // namespace

Plan MakePlan(const PlanRequest& request) {
  CheckRequest(request);
  const ModelConfig& c = request.config;
  const int64_t t = request.target_len;
  const BackendProfile& b = request.backend;
  Plan p;
  p.request = request;
  p.parameters = ParameterCount(c);
  p.weights_per_token = c.num_layers * LayerMatmulWeights(c) + HeadMatmulWeights(c);
  const int units = b.unit_is_thread ? request.threads : 1;
  p.rank_flops_per_s =
      request.flops_per_s > 0 ? request.flops_per_s : b.unit_flops_per_s * b.efficiency * units;

  p.forward = CountForwardFlops(c, t, t);
  p.train = CountTrainingStepFlops(c, t, /*recompute_layers=*/false);
  p.train_recompute = CountTrainingStepFlops(c, t, /*recompute_layers=*/true);

  MemoryOptions memory{b.bytes, b.logit_chunk_tokens, b.attention_block_rows, request.threads};
  p.forward_memory = EstimateForwardMemory(c, t, t, memory);
  p.train_memory = EstimateTrainingMemory(c, t, /*recompute_layers=*/false, memory);
  p.train_recompute_memory = EstimateTrainingMemory(c, t, /*recompute_layers=*/true, memory);
  p.decode_cache = DecodeCacheBytes(c, t, b.bytes);

  p.forward_s = p.forward.Total() / p.rank_flops_per_s;
  p.train_step_s = p.train.Total() / p.rank_flops_per_s;
  p.train_step_recompute_s = p.train_recompute.Total() / p.rank_flops_per_s;
  p.search = EstimateSearchCost(request.search, request.ranks, p.forward_s);
  return p;
}

}  // namespace ropescale::plan
