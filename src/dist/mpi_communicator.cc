// Communicator over an MPI communicator (host buffers).
//
// AllReduceSum is ropescale's own fixed-order reduction, not MPI_Allreduce (whose summation
// order the MPI standard leaves to the implementation and which may change with the message
// size or the library's tuning). It is reduce-scatter + all-gather:
//   1. the buffer is cut into Size() contiguous chunks; chunk r belongs to rank r;
//   2. MPI_Alltoallv sends every rank's copy of chunk r to rank r;
//   3. rank r adds the copies in rank order: ((x0 + x1) + x2) + ... for every element;
//   4. MPI_Allgatherv (in place) hands every chunk to every rank.
// So element i of the result is always the rank-order sum of the ranks' values: the same bits on
// every rank, on every call, whatever the buffer size. Cost per rank: sends and receives about
// 2 (K-1)/K of the buffer (the same volume as a ring all-reduce), one scratch copy of the
// buffer, O(K) messages per call. Buffers of 2^31 - K elements or more are an Error (MPI's
// int counts).
#include "src/dist/mpi_communicator.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "src/core/error.h"
#include "src/dist/buffer_checks.h"

namespace ropescale::dist {
namespace {

std::string MpiErrorText(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, length);
}

// out[i] = rows[0][i] + rows[1][i] + ... in row (= rank) order.
template <typename T>
void SumRowsInOrder(const T* rows, int num_rows, int64_t length, T* out) {
  for (int64_t i = 0; i < length; ++i) out[i] = rows[i];
  for (int row = 1; row < num_rows; ++row) {
    const T* values = rows + row * length;
    for (int64_t i = 0; i < length; ++i) out[i] += values[i];
  }
}

// Integers wrap around instead of overflowing (no undefined behaviour).
template <>
void SumRowsInOrder<int64_t>(const int64_t* rows, int num_rows, int64_t length, int64_t* out) {
  for (int64_t i = 0; i < length; ++i) {
    uint64_t sum = static_cast<uint64_t>(rows[i]);
    for (int row = 1; row < num_rows; ++row) sum += static_cast<uint64_t>(rows[row * length + i]);
    out[i] = static_cast<int64_t>(sum);
  }
}

class MpiCommunicator;

// One int64 on rank 0 in an MPI window (MPI_Win_allocate, so ranks on one node use
// shared-memory atomics and rank 0 need not poll while it computes); Next() is
// MPI_Fetch_and_op(+1) under a shared lock held for the counter's lifetime.
class MpiTaskCounter final : public TaskCounter {
 public:
  explicit MpiTaskCounter(const MpiCommunicator& comm);
  ~MpiTaskCounter() override;
  int64_t Next() override;

 private:
  const MpiCommunicator& comm_;
  MPI_Win window_ = MPI_WIN_NULL;
  int exceptions_at_start_ = 0;
};

class MpiCommunicator final : public Communicator {
 public:
  using Communicator::AllReduceSum;

  explicit MpiCommunicator(MPI_Comm comm) {
    Check(MpiActive(), "mpi communicator: MPI is not initialised (or already finalised)");
    Check(comm != MPI_COMM_NULL, "mpi communicator: MPI_COMM_NULL");
    CheckMpi(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup");
    CheckMpi(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    CheckMpi(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
    MPI_Comm node = MPI_COMM_NULL;
    CheckMpi(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node),
             "MPI_Comm_split_type");
    CheckMpi(MPI_Comm_rank(node, &local_rank_), "MPI_Comm_rank");
    MPI_Comm_free(&node);
  }

  ~MpiCommunicator() override {
    if (comm_ != MPI_COMM_NULL && MpiActive()) MPI_Comm_free(&comm_);
  }

  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int Rank() const override { return rank_; }
  int Size() const override { return size_; }
  int LocalRank() const override { return local_rank_; }
  std::string Name() const override {
    return fmt::format("mpi ({} rank{})", size_, size_ == 1 ? "" : "s");
  }

  void AllReduceSum(BufferView buffer) override {
    CheckBuffer(buffer, "AllReduceSum", Name());
    CheckSummable(buffer, Name());
    CheckHost(buffer, "AllReduceSum");
    Check(buffer.count <= INT_MAX - size_, "{}: AllReduceSum of {} elements (at most {})", Name(),
          buffer.count, INT_MAX - size_);
    if (size_ == 1 || buffer.count == 0) return;  // everyone has count 0 then: nothing to send
    switch (buffer.type) {
      case DataType::kFloat32:
        FixedOrderSum(static_cast<float*>(buffer.data), buffer.count, MPI_FLOAT);
        break;
      case DataType::kFloat64:
        FixedOrderSum(static_cast<double*>(buffer.data), buffer.count, MPI_DOUBLE);
        break;
      case DataType::kInt64:
        FixedOrderSum(static_cast<int64_t*>(buffer.data), buffer.count, MPI_INT64_T);
        break;
      case DataType::kUint8:
        break;  // rejected by CheckSummable
    }
  }

  void Broadcast(BufferView buffer, int root) override {
    CheckBuffer(buffer, "Broadcast", Name());
    CheckRoot(root, size_, Name());
    CheckHost(buffer, "Broadcast");
    if (size_ == 1) return;
    // In pieces of at most 1 GiB (MPI's counts are int).
    auto* bytes = static_cast<char*>(buffer.data);
    size_t left = buffer.Bytes();
    do {
      const int piece = static_cast<int>(std::min<size_t>(left, size_t{1} << 30));
      CheckMpi(MPI_Bcast(bytes, piece, MPI_BYTE, root, comm_), "MPI_Bcast");
      bytes += piece;
      left -= piece;
    } while (left > 0);
  }

  void Barrier() override { CheckMpi(MPI_Barrier(comm_), "MPI_Barrier"); }

  [[noreturn]] void Abort(const std::string& message, int exit_code) override {
    std::fprintf(stderr, "ropescale: error on rank %d of %d: %s\n", rank_, size_, message.c_str());
    std::fflush(stderr);
    MPI_Abort(comm_, exit_code);
    std::_Exit(exit_code);  // MPI_Abort does not return; in case an implementation does
  }

  std::unique_ptr<TaskCounter> NewTaskCounter() override {
    return std::make_unique<MpiTaskCounter>(*this);
  }

  MPI_Comm comm() const { return comm_; }

  void CheckMpi(int code, const char* what) const {
    if (code == MPI_SUCCESS) return;
    Fail("{}: {} failed on rank {}: {}", Name(), what, rank_, MpiErrorText(code));
  }

 private:
  void CheckHost(const BufferView& buffer, const char* call) const {
    Check(buffer.space == MemorySpace::kHost,
          "{}: {} of a device buffer ({} {} elements on device {}) needs the NCCL "
          "communicator; MPI takes host buffers",
          Name(), call, buffer.count, DataTypeName(buffer.type), buffer.device);
  }

  // Chunk r = [ChunkBegin(r), ChunkBegin(r + 1)): sizes differ by at most one element.
  int ChunkBegin(int r, int64_t count) const { return static_cast<int>(r * count / size_); }

  template <typename T>
  void FixedOrderSum(T* values, int64_t count, MPI_Datatype type) {
    std::vector<int> send_counts(size_), send_offsets(size_);
    for (int r = 0; r < size_; ++r) {
      send_offsets[r] = ChunkBegin(r, count);
      send_counts[r] = ChunkBegin(r + 1, count) - send_offsets[r];
    }
    const int mine = send_counts[rank_];
    // Row s of `copies` = rank s's values of my chunk.
    std::vector<T> copies(static_cast<size_t>(mine) * size_);
    std::vector<int> receive_counts(size_, mine), receive_offsets(size_);
    for (int s = 0; s < size_; ++s) receive_offsets[s] = s * mine;
    CheckMpi(MPI_Alltoallv(values, send_counts.data(), send_offsets.data(), type, copies.data(),
                           receive_counts.data(), receive_offsets.data(), type, comm_),
             "MPI_Alltoallv");
    if (mine > 0) SumRowsInOrder(copies.data(), size_, mine, values + send_offsets[rank_]);
    CheckMpi(MPI_Allgatherv(MPI_IN_PLACE, 0, type, values, send_counts.data(), send_offsets.data(),
                            type, comm_),
             "MPI_Allgatherv");
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  int local_rank_ = 0;
};

MpiTaskCounter::MpiTaskCounter(const MpiCommunicator& comm)
    : comm_(comm), exceptions_at_start_(std::uncaught_exceptions()) {
  int64_t* counter = nullptr;
  const MPI_Aint bytes = comm.Rank() == 0 ? sizeof(int64_t) : 0;
  comm.CheckMpi(
      MPI_Win_allocate(bytes, sizeof(int64_t), MPI_INFO_NULL, comm.comm(), &counter, &window_),
      "MPI_Win_allocate");
  if (comm.Rank() == 0) {
    comm.CheckMpi(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, window_), "MPI_Win_lock");
    *counter = 0;
    comm.CheckMpi(MPI_Win_unlock(0, window_), "MPI_Win_unlock");
  }
  comm.CheckMpi(MPI_Barrier(comm.comm()), "MPI_Barrier");  // nobody counts before the zero
  comm.CheckMpi(MPI_Win_lock_all(0, window_), "MPI_Win_lock_all");
}

MpiTaskCounter::~MpiTaskCounter() {
  // Freeing the window is collective: a rank unwinding from an error leaves it (the job is
  // about to be aborted) rather than wait for ranks that will never come.
  if (std::uncaught_exceptions() > exceptions_at_start_ || !MpiActive()) return;
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
}

int64_t MpiTaskCounter::Next() {
  const int64_t one = 1;
  int64_t value = 0;
  comm_.CheckMpi(MPI_Fetch_and_op(&one, &value, MPI_INT64_T, 0, 0, MPI_SUM, window_),
                 "MPI_Fetch_and_op");
  comm_.CheckMpi(MPI_Win_flush(0, window_), "MPI_Win_flush");
  return value;
}

}  // namespace

std::unique_ptr<Communicator> MakeMpiCommunicator(MPI_Comm comm) {
  return std::make_unique<MpiCommunicator>(comm);
}

bool MpiActive() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

}  // namespace ropescale::dist
