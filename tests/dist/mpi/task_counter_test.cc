// Runs under mpiexec -n 1, 2 and 4: the shared task counter hands out every value once.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "src/dist/mpi_communicator.h"

namespace ropescale::dist {
namespace {

// Takes values until one is >= tasks; returns how often each value in [0, tasks + size) was
// taken, summed over all ranks.
std::vector<int64_t> TakeAll(Communicator& comm, int64_t tasks, bool slow_root) {
  std::vector<int64_t> taken(tasks + comm.Size(), 0);
  const auto counter = comm.NewTaskCounter();
  for (;;) {
    const int64_t value = counter->Next();
    EXPECT_GE(value, 0);
    EXPECT_LT(value, tasks + comm.Size());
    if (value < 0 || value >= tasks + comm.Size()) break;
    ++taken[value];
    if (value >= tasks) break;
    if (slow_root && comm.IsRoot()) usleep(2000);  // the others take more
  }
  comm.AllReduceSum(std::span<int64_t>(taken));
  return taken;
}

TEST(MpiTaskCounter, HandsOutEveryValueExactlyOnce) {
  const auto comm = MakeMpiCommunicator(MPI_COMM_WORLD);
  for (int64_t tasks : {0, 1, 5, 200}) {
    // Every task once, and each rank's first value past the end once: tasks .. tasks + K - 1.
    const std::vector<int64_t> taken = TakeAll(*comm, tasks, tasks == 200);
    EXPECT_EQ(taken, std::vector<int64_t>(tasks + comm->Size(), 1)) << tasks << " tasks";
  }
}

TEST(MpiTaskCounter, NewCountersStartAtZero) {
  const auto comm = MakeMpiCommunicator(MPI_COMM_WORLD);
  for (int round = 0; round < 3; ++round) {
    const auto counter = comm->NewTaskCounter();
    // Only rank 0 asks: it must see 0 and 1 whatever the earlier counters reached.
    if (comm->IsRoot()) {
      EXPECT_EQ(counter->Next(), 0);
      EXPECT_EQ(counter->Next(), 1);
    }
    comm->Barrier();
  }
}

}  // namespace
}  // namespace ropescale::dist
