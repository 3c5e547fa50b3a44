#include "src/train/stop_signal.h"

#include <atomic>

namespace ropescale {
namespace {

// Set by the handler, read by the training loop: lock-free, so safe to touch from a signal
// handler whichever thread the signal lands on.
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

// A second SIGINT (Ctrl-C again) ends the process at once, as a user expects.
extern "C" void OnStopSignal(int signal) {
  if (g_stop_signal.exchange(signal) != 0 && signal == SIGINT) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
}

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGUSR1};
void (*g_previous[3])(int) = {SIG_DFL, SIG_DFL, SIG_DFL};
int g_depth = 0;  // nested guards: the outermost installs and restores

}  // namespace

StopSignalGuard::StopSignalGuard() {
  if (g_depth++ > 0) return;
  g_stop_signal = 0;
  for (int i = 0; i < 3; ++i) g_previous[i] = std::signal(kSignals[i], OnStopSignal);
}

StopSignalGuard::~StopSignalGuard() {
  if (--g_depth > 0) return;
  for (int i = 0; i < 3; ++i) std::signal(kSignals[i], g_previous[i]);
}

int StopSignalGuard::Received() { return g_stop_signal.load(); }

}  // namespace ropescale
