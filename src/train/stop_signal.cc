#include "src/train/stop_signal.h"

namespace ropescale {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void OnStopSignal(int signal) { g_stop_signal = signal; }

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

int StopSignalGuard::Received() { return g_stop_signal; }

}  // namespace ropescale
