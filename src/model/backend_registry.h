#pragma once
// The backend registry: each backend registers a factory under its name from its own library
// (src/model/cpu, src/kernels), so CreateBackend includes none of them and src/kernels can
// depend on src/model without a cycle. Those libraries are linked whole (WHOLE_ARCHIVE), so
// their registration objects are never dropped by the linker.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/model/backend.h"

namespace ropescale {

using BackendFactory =
    std::function<std::unique_ptr<Backend>(const ModelConfig&, const BackendOptions&)>;

// Registers `factory` under `name` (at static initialisation: `const bool registered =
// RegisterBackend(...)`). Returns true; a second registration of a name throws Error.
bool RegisterBackend(const std::string& name, BackendFactory factory);
// Names of the registered backends, sorted.
std::vector<std::string> RegisteredBackends();

}  // namespace ropescale
