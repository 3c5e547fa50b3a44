// Without a launcher (ctest runs unit tests as plain processes) a job is one process.
#include "src/dist/world.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "src/core/error.h"

namespace ropescale::dist {
namespace {

TEST(JobSession, WithoutLauncherTheWorldIsOneProcess) {
  const JobSession session;
  const auto world = WorldCommunicator();
  EXPECT_EQ(world->Size(), 1);
  EXPECT_EQ(world->Rank(), 0);
  EXPECT_EQ(world->Name(), "single process");
}

TEST(RunOrAbortJob, RunsTheBody) {
  const auto comm = MakeSingleProcessCommunicator();
  int runs = 0;
  RunOrAbortJob(*comm, [&] { ++runs; });
  EXPECT_EQ(runs, 1);
}

TEST(RunOrAbortJob, OneRankRethrowsForTheCaller) {
  const auto comm = MakeSingleProcessCommunicator();
  EXPECT_THROW(RunOrAbortJob(*comm, [] { Fail("{}: bad field", "x.json"); }), Error);
  EXPECT_THROW(RunOrAbortJob(*comm, [] { throw std::out_of_range("index"); }), std::out_of_range);
}

}  // namespace
}  // namespace ropescale::dist
