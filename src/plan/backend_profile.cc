#include "src/plan/backend_profile.h"

#include <fmt/format.h>

#include "src/core/error.h"

namespace ropescale::plan {
namespace {

// The CPU reference backend (src/model/cpu): fp32 everywhere, the weights are the master copy,
// 64-row attention blocks, all scored logits at once. 55 GFLOP/s per thread: the FLOPs of this
// plan's formulas over the times of bench/cpu_backend_bench on the build machine's AMD EPYC
// (forward B 16 x T 256: 63, B 1 x T 2048: 59, train step B 16 x T 256: 57 GFLOP/s; see
// src/plan/README.md).
BackendProfile CpuProfile() {
  BackendProfile p;
  p.name = "cpu";
  p.bytes = ElementBytes{4, 0, 4, 4, 4, 4};
  p.unit_flops_per_s = 55e9;
  p.unit_is_thread = true;
  p.efficiency = 1.0;
  p.logit_chunk_tokens = 0;
  p.attention_block_rows = 64;
  p.throughput_source =
      "cpu: 55 GFLOP/s per thread, measured end to end with bench/cpu_backend_bench (fp32, "
      "OpenBLAS, AMD EPYC)";
  return p;
}

// The CUDA backend as planned (src/kernels, /work/shared/notes/trainer-anchors.md): bf16
// working weights and activations, fp32 master weights, gradients and AdamW moments, flash
// attention, logits in chunks of 4096 tokens. Peak: H100 SXM / H200 dense bf16 tensor-core
// rate, 989.4 TFLOP/s (NVIDIA's datasheets give 1,979 with 2:4 sparsity); efficiency 0.40, the
// model FLOP utilisation of published long-context LLaMA training (torchtitan Llama-3-8B on
// H100, about 39%; llm.c GPT-2 1.5B, about 46%).
BackendProfile CudaProfile() {
  BackendProfile p;
  p.name = "cuda";
  p.bytes = ElementBytes{2, 4, 4, 4, 2, 4};
  p.unit_flops_per_s = 989.4e12;
  p.efficiency = 0.40;
  p.logit_chunk_tokens = 4096;
  p.attention_block_rows = 0;
  p.throughput_source =
      "cuda: H100/H200 dense bf16 peak 989.4 TFLOP/s per GPU x efficiency (default 0.40, the "
      "MFU of published LLaMA training)";
  return p;
}

}  // namespace

std::vector<std::string> PlannedBackends() { return {"cpu", "cuda"}; }

BackendProfile DefaultBackendProfile(std::string_view name) {
  if (name == "cpu") return CpuProfile();
  if (name == "cuda") return CudaProfile();
  Fail("backend '{}' is unknown to the plan (known: {})", name, fmt::join(PlannedBackends(), ", "));
}

}  // namespace ropescale::plan
