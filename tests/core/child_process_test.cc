// ChildProcess: pipes both ways, the exit reported, no SIGPIPE when the child is gone, a child
// that ignores its closed input killed by the destructor, and a clear error for a missing program.
#include "src/core/child_process.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>

#include "src/core/error.h"

namespace ropescale {
namespace {

TEST(ChildProcess, TalksThroughPipes) {
  ChildProcess cat({"/bin/cat"});
  ASSERT_TRUE(cat.Write("hello, child"));
  std::string echoed(12, '\0');
  ASSERT_TRUE(cat.Read(echoed.data(), echoed.size()));
  EXPECT_EQ(echoed, "hello, child");
  EXPECT_EQ(cat.WaitForExit(std::chrono::milliseconds(50)), "is still running");
}

TEST(ChildProcess, ReportsHowTheChildEnded) {
  ChildProcess child({"/bin/sh", "-c", "printf ab; exit 7"});
  char out[3];
  ASSERT_TRUE(child.Read(out, 2));
  EXPECT_FALSE(child.Read(out, 1));  // end of its output
  EXPECT_EQ(child.WaitForExit(std::chrono::seconds(5)), "exited with status 7");
  ChildProcess killed({"/bin/sh", "-c", "kill -9 $$"});
  EXPECT_EQ(killed.WaitForExit(std::chrono::seconds(5)), "was killed by signal 9 (Killed)");
}

TEST(ChildProcess, WritingToAGoneChildFailsWithoutSigpipe) {
  ChildProcess child({"/bin/true"});
  EXPECT_EQ(child.WaitForExit(std::chrono::seconds(5)), "exited with status 0");
  // More than a pipe buffer, so the write cannot just be buffered; SIGPIPE would end the test.
  EXPECT_FALSE(child.Write(std::string(1 << 20, 'x')));
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST(ChildProcess, DestructorKillsAChildThatKeepsRunning) {
  const auto start = std::chrono::steady_clock::now();
  { ChildProcess stubborn({"/bin/sleep", "60"}); }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(ChildProcess, TheChildGetsNoOtherDescriptor) {
  // Only 0, 1, 2 (and the descriptor ls uses for the listing itself).
  ChildProcess ls({"/bin/sh", "-c", "ls /proc/self/fd | wc -l"});
  char out[16] = {};
  ls.Read(out, 2);
  EXPECT_LE(std::stoi(out), 4);
}

TEST(ChildProcess, RefusesAMissingProgramNamingIt) {
  try {
    ChildProcess missing({"/nonexistent/program", "arg"});
    ADD_FAILURE() << "no Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/program"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos);
  }
}

}  // namespace
}  // namespace ropescale
