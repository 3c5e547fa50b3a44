// Runs under mpiexec -n 1, 2 and 4 (tests/mpi_gtest_main.cc initialises MPI).
#include "src/dist/mpi_communicator.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "src/core/error.h"
#include "src/dist/world.h"

namespace ropescale::dist {
namespace {

int WorldRank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int WorldSize() {
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

// Rank r's value at index i: magnitudes far apart, so a different summation order gives
// different bits (1e8 + 1 - 1e8 != 1e8 - 1e8 + 1 in float).
template <typename T>
T Contribution(int rank, int64_t i) {
  const double sign = (i + rank) % 2 ? -1.0 : 1.0;
  const double scale = rank % 2 ? 1e8 : 1.0;
  return static_cast<T>(sign * scale * (1.0 + 0.37 * static_cast<double>((i * 7919 + rank) % 101)));
}

// The rank-order sum ((x0 + x1) + x2) + ..., in T.
template <typename T>
T RankOrderSum(int size, int64_t i) {
  T sum = Contribution<T>(0, i);
  for (int r = 1; r < size; ++r) sum += Contribution<T>(r, i);
  return sum;
}

template <typename T>
void ExpectRankOrderSums(Communicator& comm) {
  // Fewer elements than ranks, not a multiple of the rank count, and a gradient-sized buffer.
  for (int64_t count : {0, 1, 3, 1001, 1 << 20}) {
    std::vector<T> values(count);
    for (int64_t i = 0; i < count; ++i) values[i] = Contribution<T>(comm.Rank(), i);
    const std::vector<T> mine = values;
    comm.AllReduceSum(std::span<T>(values));
    int64_t wrong = 0;
    for (int64_t i = 0; i < count; ++i) {
      const T expected = RankOrderSum<T>(comm.Size(), i);
      if (std::memcmp(&values[i], &expected, sizeof(T)) != 0) ++wrong;
    }
    EXPECT_EQ(wrong, 0) << count << " elements, "
                        << DataTypeName(HostView(std::span<T>(values)).type);
    // Again: the same bits.
    std::vector<T> again = mine;
    comm.AllReduceSum(std::span<T>(again));
    EXPECT_EQ(std::memcmp(again.data(), values.data(), count * sizeof(T)), 0);
  }
}

TEST(MpiCommunicator, DescribesTheWorld) {
  const auto comm = MakeMpiCommunicator(MPI_COMM_WORLD);
  EXPECT_EQ(comm->Rank(), WorldRank());
  EXPECT_EQ(comm->Size(), WorldSize());
  EXPECT_EQ(comm->IsRoot(), WorldRank() == 0);
  // One node in the tests: the local rank is the rank.
  EXPECT_EQ(comm->LocalRank(), WorldRank());
  EXPECT_EQ(comm->Name(),
            WorldSize() == 1 ? "mpi (1 rank)" : fmt::format("mpi ({} ranks)", WorldSize()));
  // WorldCommunicator is MPI's world when MPI runs.
  EXPECT_EQ(WorldCommunicator()->Name(), comm->Name());
}

TEST(MpiCommunicator, AllReduceSumIsTheRankOrderSumOnEveryRank) {
  const auto comm = MakeMpiCommunicator(MPI_COMM_WORLD);
  ExpectRankOrderSums<float>(*comm);
  ExpectRankOrderSums<double>(*comm);
}

TEST(MpiCommunicator, AllReduceSumOfInt64IsExact) {
  const auto comm = MakeMpiCommunicator(MPI_COMM_WORLD);
  // Beyond double precision: 2^60 + rank, and a negative column.
  const int64_t big = int64_t{1} << 60;
  std::vector<int64_t> values = {big + comm->Rank(), -big - 3 * comm->Rank(), comm->Rank() + 1};
  comm->AllReduceSum(std::span<int64_t>(values));
  const int64_t k = comm->Size();
  const int64_t ranks_sum = k * (k - 1) / 2;
  EXPECT_EQ(values[0], k * big + ranks_sum);
  EXPECT_EQ(values[1], -k * big - 3 * ranks_sum);
  EXPECT_EQ(values[2], ranks_sum + k);
  EXPECT_EQ(comm->AllReduceSum(int64_t{comm->Rank()}), ranks_sum);
  EXPECT_EQ(comm->AllReduceSum(0.5), 0.5 * k);
}

TEST(MpiCommunicator, BroadcastFromTheLastRank) {
  const auto comm = MakeMpiCommunicator(MPI_COMM_WORLD);
  const int root = comm->Size() - 1;
  const bool at_root = comm->Rank() == root;
  std::vector<double> doubles = {at_root ? 3.25 : -1.0, at_root ? 1e-300 : 0.0};
  comm->Broadcast(HostView(std::span<double>(doubles)), root);
  EXPECT_EQ(doubles, (std::vector<double>{3.25, 1e-300}));
  std::vector<float> floats(1000, at_root ? 2.5f : 0.0f);
  comm->Broadcast(HostView(std::span<float>(floats)), root);
  EXPECT_EQ(floats, std::vector<float>(1000, 2.5f));
  std::vector<int64_t> ints = {at_root ? INT64_MIN : 0};
  comm->Broadcast(HostView(std::span<int64_t>(ints)), root);
  EXPECT_EQ(ints[0], INT64_MIN);
  std::vector<uint8_t> bytes(7, at_root ? 200 : 1);
  comm->Broadcast(HostView(std::span<uint8_t>(bytes)), root);
  EXPECT_EQ(bytes, std::vector<uint8_t>(7, 200));
  EXPECT_TRUE(comm->BroadcastFlag(at_root, root));
  EXPECT_FALSE(comm->BroadcastFlag(!at_root, root));
  comm->Barrier();
}

TEST(MpiCommunicator, RejectsDeviceBuffersAndBadCalls) {
  const auto comm = MakeMpiCommunicator(MPI_COMM_WORLD);
  // Checked before any message is sent, so every rank throws and none waits.
  BufferView device{reinterpret_cast<void*>(0x1000), 16, DataType::kFloat32, MemorySpace::kDevice,
                    0};
  try {
    comm->AllReduceSum(device);
    ADD_FAILURE() << "a device buffer was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs the NCCL communicator"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(comm->Broadcast(device, 0), Error);
  std::vector<uint8_t> bytes(4);
  EXPECT_THROW(comm->AllReduceSum(HostView(std::span<uint8_t>(bytes))), Error);
  EXPECT_THROW(comm->Broadcast(HostView(std::span<uint8_t>(bytes)), comm->Size()), Error);
  EXPECT_THROW(comm->Broadcast(HostView(std::span<uint8_t>(bytes)), -1), Error);
  comm->Barrier();
}

}  // namespace
}  // namespace ropescale::dist
