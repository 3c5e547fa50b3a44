#include "src/core/child_process.h"

#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include "src/core/error.h"

namespace ropescale {
namespace {

// posix_spawn's settings, released however the spawn ends.
struct SpawnSettings {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  SpawnSettings() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSettings() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
};

void CloseIfOpen(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return fmt::format("was killed by signal {} ({})", WTERMSIG(status),
                       strsignal(WTERMSIG(status)));
  }
  return "ended";
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  Check(!argv.empty(), "ChildProcess: no program given");
  int to_child[2];
  int from_child[2];
  Check(pipe2(to_child, O_CLOEXEC) == 0, "cannot start {}: pipe: {}", argv[0], strerror(errno));
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    const int error = errno;
    close(to_child[0]);
    close(to_child[1]);
    Fail("cannot start {}: pipe: {}", argv[0], strerror(error));
  }

  SpawnSettings settings;
  // The pipes become the child's fd 0 and 1 (dup2 clears close-on-exec); everything else of
  // ours stays out of the child.
  posix_spawn_file_actions_adddup2(&settings.actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&settings.actions, from_child[1], STDOUT_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&settings.actions, STDERR_FILENO + 1);
#endif
  // Default signal handling and no blocked signals in the child, its own process group.
  sigset_t none;
  sigemptyset(&none);
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  posix_spawnattr_setsigmask(&settings.attributes, &none);
  posix_spawnattr_setsigdefault(&settings.attributes, &pipe_signal);
  posix_spawnattr_setpgroup(&settings.attributes, 0);
  posix_spawnattr_setflags(&settings.attributes,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const int error = posix_spawn(&pid_, argv[0].c_str(), &settings.actions, &settings.attributes,
                                args.data(), environ);
  close(to_child[0]);
  close(from_child[1]);
  input_ = to_child[1];
  output_ = from_child[0];
  if (error != 0) {
    CloseIfOpen(input_);
    CloseIfOpen(output_);
    Fail("cannot start {}: {}", argv[0], strerror(error));
  }
}

ChildProcess::~ChildProcess() {
  CloseIfOpen(input_);
  WaitForExit(std::chrono::seconds(1));
  if (!reaped_) {
    kill(pid_, SIGKILL);
    while (waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
  }
  CloseIfOpen(output_);
}

bool ChildProcess::Write(std::string_view bytes) {
  // A write to a pipe nobody reads raises SIGPIPE, which would end ropescale: block it in this
  // thread for the write and take back the one this write raised.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &old_mask);
  bool written = input_ >= 0;
  int error = 0;
  while (written && !bytes.empty()) {
    const ssize_t n = write(input_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      written = false;
    } else {
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  if (error == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_signal, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  return written;
}

bool ChildProcess::Read(char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = read(output_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string ChildProcess::WaitForExit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reaped_) {
    const pid_t done = waitpid(pid_, &status_, WNOHANG);
    if (done == pid_ || (done < 0 && errno != EINTR)) {
      reaped_ = true;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return "is still running";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return DescribeStatus(status_);
}

}  // namespace ropescale
