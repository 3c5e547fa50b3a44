#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "src/core/error.h"
#include "src/dist/communicator.h"

namespace ropescale::dist {
namespace {

TEST(SingleProcessCommunicator, IsRankZeroOfOne) {
  const auto comm = MakeSingleProcessCommunicator();
  EXPECT_EQ(comm->Rank(), 0);
  EXPECT_EQ(comm->Size(), 1);
  EXPECT_EQ(comm->LocalRank(), 0);
  EXPECT_TRUE(comm->IsRoot());
  EXPECT_EQ(comm->Name(), "single process");
}

TEST(SingleProcessCommunicator, AllReduceSumKeepsTheValues) {
  const auto comm = MakeSingleProcessCommunicator();
  std::vector<float> floats = {1.5f, -0.0f, 3e38f};
  std::vector<double> doubles = {0.1, -2.5, 1e300};
  std::vector<int64_t> ints = {INT64_MAX, INT64_MIN, 7};
  const auto floats0 = floats;
  const auto doubles0 = doubles;
  const auto ints0 = ints;
  comm->AllReduceSum(std::span<float>(floats));
  comm->AllReduceSum(std::span<double>(doubles));
  comm->AllReduceSum(std::span<int64_t>(ints));
  EXPECT_EQ(floats, floats0);
  EXPECT_TRUE(std::signbit(floats[1]));
  EXPECT_EQ(doubles, doubles0);
  EXPECT_EQ(ints, ints0);
  EXPECT_EQ(comm->AllReduceSum(0.25), 0.25);
  EXPECT_EQ(comm->AllReduceSum(int64_t{-9}), -9);
}

TEST(SingleProcessCommunicator, BroadcastKeepsTheValues) {
  const auto comm = MakeSingleProcessCommunicator();
  std::vector<uint8_t> bytes = {1, 2, 255};
  comm->Broadcast(HostView(std::span<uint8_t>(bytes)), 0);
  EXPECT_EQ(bytes, (std::vector<uint8_t>{1, 2, 255}));
  EXPECT_TRUE(comm->BroadcastFlag(true));
  EXPECT_FALSE(comm->BroadcastFlag(false, 0));
  comm->Barrier();
}

TEST(SingleProcessCommunicator, RejectsBadCalls) {
  const auto comm = MakeSingleProcessCommunicator();
  std::vector<uint8_t> bytes = {1};
  EXPECT_THROW(comm->AllReduceSum(HostView(std::span<uint8_t>(bytes))), Error);
  EXPECT_THROW(comm->Broadcast(HostView(std::span<uint8_t>(bytes)), 1), Error);
  EXPECT_THROW(comm->AllReduceSum(BufferView{nullptr, 3, DataType::kFloat32}), Error);
  EXPECT_THROW(comm->Broadcast(BufferView{bytes.data(), -1, DataType::kUint8}, 0), Error);
}

TEST(SingleProcessCommunicator, TaskCounterCountsFromZero) {
  const auto comm = MakeSingleProcessCommunicator();
  const auto counter = comm->NewTaskCounter();
  for (int64_t expected = 0; expected < 5; ++expected) EXPECT_EQ(counter->Next(), expected);
  // A new counter starts again at zero.
  EXPECT_EQ(comm->NewTaskCounter()->Next(), 0);
}

TEST(SingleProcessCommunicator, AbortThrowsTheMessage) {
  const auto comm = MakeSingleProcessCommunicator();
  try {
    comm->Abort("model.h5: broken", 3);
    FAIL() << "Abort returned";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "model.h5: broken");
  }
}

}  // namespace
}  // namespace ropescale::dist
