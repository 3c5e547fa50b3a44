// Passive OpenMP waiting by default. libgomp reads OMP_WAIT_POLICY once, in its own constructor,
// so this runs from the executable's .preinit_array, before any shared library is initialised.
// Spinning idle threads (libgomp's default) steal the cores whenever a machine is shared (other
// jobs, or several MPI ranks per node as the search runs): measured 2x slower train steps on the
// 2-core build machine under load. An explicit OMP_WAIT_POLICY in the environment still wins.
#include <cstdlib>
#include <string_view>

namespace ropescale::cpu {
namespace {

bool set_by_us = false;

// glibc resets environ after the preinit functions, so the variable is seen by libgomp's
// constructor but not by a later getenv; remember what was done instead.
void DefaultToPassiveWaiting(int, char**, char**) {
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "passive", 0);
    set_by_us = true;
  }
}

}  // namespace

// Called by CpuBackend's constructor, so that the linker keeps this object file (and with it the
// .preinit_array entry). Returns whether OpenMP waits passively in this process.
bool PassiveWaitDefaultInstalled() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  return set_by_us || (policy != nullptr && std::string_view(policy) == "passive");
}

#if defined(__linux__) && defined(__GNUC__)
[[gnu::section(".preinit_array"),
  gnu::used]] static void (*const kPreinit)(int, char**, char**) = DefaultToPassiveWaiting;
#endif

}  // namespace ropescale::cpu
