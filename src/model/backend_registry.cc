#include "src/model/backend_registry.h"

#include <fmt/ranges.h>

#include <map>
#include <mutex>
#include <utility>

#include "src/core/error.h"

namespace ropescale {

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, BackendFactory> factories;
};

// Constructed on first use (thread-safe), so registrations from other libraries' static
// initialisers never run before it exists.
Registry& TheRegistry() {
  static Registry registry;
  return registry;
}

}  // namespace

bool RegisterBackend(const std::string& name, BackendFactory factory) {
  Check(!name.empty(), "RegisterBackend: empty backend name");
  Check(static_cast<bool>(factory), "RegisterBackend: backend '{}' has no factory", name);
  Registry& registry = TheRegistry();
  std::lock_guard lock(registry.mutex);
  Check(registry.factories.emplace(name, std::move(factory)).second,
        "RegisterBackend: backend '{}' is registered twice", name);
  return true;
}

std::vector<std::string> RegisteredBackends() {
  Registry& registry = TheRegistry();
  std::lock_guard lock(registry.mutex);
  std::vector<std::string> names;
  for (const auto& [name, factory] : registry.factories) names.push_back(name);
  return names;
}

std::unique_ptr<Backend> CreateBackend(const ModelConfig& config, const BackendOptions& options) {
  Check(options.num_threads >= 0 && options.num_threads <= kMaxBackendThreads,
        "backend {}: num_threads = {} is outside [0, {}]", options.name, options.num_threads,
        kMaxBackendThreads);
  BackendFactory factory;
  {
    Registry& registry = TheRegistry();
    std::lock_guard lock(registry.mutex);
    auto it = registry.factories.find(options.name);
    if (it != registry.factories.end()) factory = it->second;
  }
  if (!factory) {
    const std::string registered = fmt::format("{}", fmt::join(RegisteredBackends(), ", "));
    if (options.name == "cuda") {
      Fail("backend 'cuda' is not available: this build has no CUDA backend (registered: {})",
           registered);
    }
    Fail("backend '{}' is not available; registered: {}", options.name, registered);
  }
  std::unique_ptr<Backend> backend = factory(config, options);
  Check(backend != nullptr, "backend '{}': its factory returned no backend", options.name);
  return backend;
}

}  // namespace ropescale
