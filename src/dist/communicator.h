#pragma once
// THE communicator interface: how the search, the trainer and the evaluation talk to other
// ranks. Implementations: single_process (one rank, every call a no-op or a copy), mpi (any
// MPI communicator; the only code of ropescale that includes <mpi.h>), and later NCCL for device
// buffers. Every call is collective unless it says otherwise: all ranks of the communicator make
// it, in the same order, with the same counts.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "src/core/buffer_view.h"

namespace ropescale::dist {

// A shared counter for dynamic task assignment (the search hands out candidates with it):
// Next() returns 0, 1, 2, ... across all ranks together, each value exactly once, whichever rank
// asks first. Next() is NOT collective; creating and destroying the counter are.
class TaskCounter {
 public:
  virtual ~TaskCounter() = default;
  virtual int64_t Next() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int Rank() const = 0;  // 0 .. Size()-1
  virtual int Size() const = 0;
  // Index of this rank among the ranks of this communicator on its node (picks the GPU).
  virtual int LocalRank() const = 0;
  // A short description for logs, e.g. "mpi (4 ranks)" or "single process".
  virtual std::string Name() const = 0;

  // In-place sum over all ranks; every rank ends with the same values. The reduction order is
  // fixed for a given rank count (so a run is reproducible bit for bit on the same layout).
  // Float32, float64 and int64 buffers; host memory unless the implementation says otherwise.
  virtual void AllReduceSum(BufferView buffer) = 0;
  // Copies root's buffer to every rank.
  virtual void Broadcast(BufferView buffer, int root) = 0;
  virtual void Barrier() = 0;
  // Ends the whole job from ONE rank (not collective): prints "ropescale: error on rank R of K:
  // MESSAGE" to stderr and makes every rank exit with `exit_code`, so none hangs in a collective.
  [[noreturn]] virtual void Abort(const std::string& message, int exit_code) = 0;
  virtual std::unique_ptr<TaskCounter> NewTaskCounter() = 0;

  // Conveniences over the calls above (host buffers).
  void AllReduceSum(std::span<float> values) { AllReduceSum(HostView(values)); }
  void AllReduceSum(std::span<double> values) { AllReduceSum(HostView(values)); }
  void AllReduceSum(std::span<int64_t> values) { AllReduceSum(HostView(values)); }
  double AllReduceSum(double value);
  int64_t AllReduceSum(int64_t value);
  bool BroadcastFlag(bool flag, int root = 0);  // root's flag on every rank
  bool IsRoot() const { return Rank() == 0; }
};

// One rank, no MPI: AllReduceSum and Broadcast leave the buffer as it is, Abort throws Error
// (for the caller to report), the task counter is a plain integer.
std::unique_ptr<Communicator> MakeSingleProcessCommunicator();

}  // namespace ropescale::dist
