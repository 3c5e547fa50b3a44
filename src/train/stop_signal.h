#pragma once
// The stop signals a trainer honours: SIGINT, SIGTERM and SIGUSR1 (what Slurm sends before
// preemption or the time limit with --signal). The handler only records the signal; the trainer
// finishes the step, writes a checkpoint and exits with kExitCheckpointed.
#include <csignal>

namespace ropescale {

// Exit code of a run that stopped on a signal after writing its checkpoint: "resume me"
// (EX_TEMPFAIL from sysexits.h). Job scripts requeue on it.
inline constexpr int kExitCheckpointed = 75;

// Installs the handlers for the lifetime of the object (restores the previous ones after).
// Guards nest (single-threaded use): only the outermost one installs, clears and restores, so a
// command can take the signals from its very start and a signal that arrives while it loads
// its inputs is still seen by the trainer's loop.
class StopSignalGuard {
 public:
  StopSignalGuard();
  ~StopSignalGuard();
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;

  // The last stop signal received since construction, 0 when none.
  static int Received();
};

}  // namespace ropescale
