#pragma once
// A helper program run beside ropescale, spoken to through pipes: its standard input and output
// are pipes to this process, its standard error is ropescale's. Started with posix_spawn, never
// fork: the parent may be an MPI rank holding gigabytes. The child gets no other descriptor of
// the parent and its own process group (a Ctrl-C reaches ropescale, which then closes the pipes).
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ropescale {

class ChildProcess {
 public:
  // argv[0] is the program's path (not searched on PATH). Throws Error naming the program and
  // the system's reason when it cannot be started (missing, not executable).
  explicit ChildProcess(const std::vector<std::string>& argv);
  // Closes the child's input, waits up to a second for it to exit, else kills it; reaps it.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Writes every byte to the child's input. False when the child no longer reads it (it
  // exited); no SIGPIPE is raised.
  bool Write(std::string_view bytes);
  // Reads exactly `size` bytes of the child's output. False at its end (the child exited).
  bool Read(char* data, size_t size);
  // Waits up to `timeout` for the child to exit and says how it ended: "exited with status 1",
  // "was killed by signal 9", or "is still running".
  std::string WaitForExit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int input_ = -1;   // write end of the child's standard input
  int output_ = -1;  // read end of the child's standard output
  int status_ = 0;   // waitpid status once reaped
  bool reaped_ = false;
};

}  // namespace ropescale
