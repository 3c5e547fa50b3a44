// Runs under mpiexec -n 1, 2 and 4: a communicator over a part of the job (even and odd world
// ranks) sums, broadcasts and counts only within its part, so nothing assumes MPI_COMM_WORLD.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdint>
#include <vector>

#include "src/dist/mpi_communicator.h"

namespace ropescale::dist {
namespace {

TEST(SplitCommunicator, WorksWithinItsHalf) {
  int world_rank = 0, world_size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  const int parity = world_rank % 2;
  MPI_Comm half = MPI_COMM_NULL;
  ASSERT_EQ(MPI_Comm_split(MPI_COMM_WORLD, parity, world_rank, &half), MPI_SUCCESS);
  const auto comm = MakeMpiCommunicator(half);
  MPI_Comm_free(&half);  // the communicator holds its own duplicate

  // World ranks of my half: parity, parity + 2, ...
  std::vector<int> members;
  for (int r = parity; r < world_size; r += 2) members.push_back(r);
  const int size = static_cast<int>(members.size());
  ASSERT_EQ(comm->Size(), size);
  EXPECT_EQ(comm->Rank(), world_rank / 2);

  // Sum of the world ranks of my half only.
  int64_t expected = 0;
  for (int r : members) expected += r;
  EXPECT_EQ(comm->AllReduceSum(int64_t{world_rank}), expected);
  std::vector<double> values = {0.5 * world_rank, 1.0};
  comm->AllReduceSum(std::span<double>(values));
  EXPECT_EQ(values, (std::vector<double>{0.5 * static_cast<double>(expected), 1.0 * size}));

  // Broadcast from the half's last rank: its world rank.
  int64_t root_world_rank = world_rank;
  comm->Broadcast(HostView(std::span<int64_t>(&root_world_rank, 1)), size - 1);
  EXPECT_EQ(root_world_rank, members.back());

  // A task counter per half: each hands out 0 .. 9 once within its half. The halves make
  // theirs one after the other: Open MPI 4.1's osc/rdma names a window's shared segment by job
  // and communicator id only, and the two halves may share a communicator id, so windows
  // allocated at the same moment on one node can collide (open-mpi/ompi#7393).
  for (int turn = 0; turn < 2; ++turn) {
    MPI_Barrier(MPI_COMM_WORLD);
    if (parity != turn) continue;
    std::vector<int64_t> taken(10 + size, 0);
    {
      const auto counter = comm->NewTaskCounter();
      for (int64_t value = counter->Next(); value < 10; value = counter->Next()) ++taken[value];
    }
    comm->AllReduceSum(std::span<int64_t>(taken));
    for (int64_t v = 0; v < 10; ++v) EXPECT_EQ(taken[v], 1) << "value " << v;
  }
  MPI_Barrier(MPI_COMM_WORLD);
  comm->Barrier();
}

}  // namespace
}  // namespace ropescale::dist
