// Registers the CPU backend as "cpu" (this library is linked whole, so the registration is
// never dropped; see src/model/backend_registry.h).
#include <memory>

#include "src/model/backend_registry.h"
#include "src/model/cpu/cpu_backend.h"

namespace ropescale::cpu {
namespace {

[[maybe_unused]] const bool registered = RegisterBackend(
    "cpu",
    [](const ModelConfig& config, const BackendOptions& options) -> std::unique_ptr<Backend> {
      return std::make_unique<CpuBackend>(config, options.num_threads);
    });

}  // namespace
}  // namespace ropescale::cpu
