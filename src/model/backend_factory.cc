#include "src/core/error.h"
#include "src/model/backend.h"
#include "src/model/cpu/cpu_backend.h"

namespace ropescale {

std::unique_ptr<Backend> CreateBackend(const ModelConfig& config, const BackendOptions& options) {
  if (options.name == "cpu") return std::make_unique<cpu::CpuBackend>(config, options.num_threads);
  if (options.name == "cuda") Fail("CUDA backend not available in this build");
  Fail("--backend: unknown backend '{}' (expected cpu or cuda)", options.name);
}

}  // namespace ropescale
