#pragma once
// The allocation plan of a long-context job before it is submitted: per rank at the target
// length T, the FLOPs, memory and time of one forward (search, evaluation) and one training
// step, and the time of a whole factor search on K ranks.
#include <cstdint>
#include <string>

#include "src/model/model_config.h"
#include "src/plan/backend_profile.h"
#include "src/plan/flop_count.h"
#include "src/plan/memory_estimate.h"
#include "src/plan/search_cost.h"

namespace ropescale::plan {

struct PlanRequest {
  ModelConfig config;
  std::string model;        // what is planned for (a path or a shape name), for the report
  int64_t target_len = 0;   // T
  int64_t trained_len = 0;  // the model's pretraining window L; 0 = unknown
  int ranks = 1;
  int threads = 1;  // threads per rank (a cpu backend's compute units; one device otherwise)
  BackendProfile backend;
  double flops_per_s = 0;  // sustained FLOP/s of one rank; 0 = from the backend profile
  SearchShape search;
};

struct Plan {
  PlanRequest request;
  int64_t parameters = 0;         // ParameterCount
  int64_t weights_per_token = 0;  // layers x LayerMatmulWeights + HeadMatmulWeights
  double rank_flops_per_s = 0;    // the rate the times assume
  ForwardFlops forward;           // logits at every position (perplexity)
  TrainingStepFlops train;        // without recomputation
  TrainingStepFlops train_recompute;
  ForwardMemory forward_memory;
  TrainingMemory train_memory;
  TrainingMemory train_recompute_memory;
  int64_t decode_cache = 0;  // greedy decoding's KV cache for one row of T
  double forward_s = 0;
  double train_step_s = 0;
  double train_step_recompute_s = 0;
  SearchCost search;
};

// Throws Error naming the field when a value is out of range (T, ranks, threads, rates).
Plan MakePlan(const PlanRequest& request);

// The largest T the plan accepts (a Batch's seq_len is an int).
inline constexpr int64_t kMaxPlanTokens = 2147483647;

}  // namespace ropescale::plan
