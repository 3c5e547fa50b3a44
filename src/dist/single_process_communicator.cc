// One rank, no MPI: sums and broadcasts over one rank leave the buffer as it is.
#include <memory>
#include <string>

#include "src/core/error.h"
#include "src/dist/buffer_checks.h"
#include "src/dist/communicator.h"

namespace ropescale::dist {
namespace {

class CountingTaskCounter final : public TaskCounter {
 public:
  int64_t Next() override { return next_++; }

 private:
  int64_t next_ = 0;
};

class SingleProcessCommunicator final : public Communicator {
 public:
  using Communicator::AllReduceSum;

  int Rank() const override { return 0; }
  int Size() const override { return 1; }
  int LocalRank() const override { return 0; }
  std::string Name() const override { return "single process"; }

  // The sum over one rank is the buffer itself, so device buffers are fine here too: nothing
  // is read or written.
  void AllReduceSum(BufferView buffer) override {
    CheckBuffer(buffer, "AllReduceSum", Name());
    CheckSummable(buffer, Name());
  }
  void Broadcast(BufferView buffer, int root) override {
    CheckBuffer(buffer, "Broadcast", Name());
    CheckRoot(root, 1, Name());
  }
  void Barrier() override {}
  [[noreturn]] void Abort(const std::string& message, int exit_code) override {
    throw Error(message);
  }
  std::unique_ptr<TaskCounter> NewTaskCounter() override {
    return std::make_unique<CountingTaskCounter>();
  }
};

}  // namespace

std::unique_ptr<Communicator> MakeSingleProcessCommunicator() {
  return std::make_unique<SingleProcessCommunicator>();
}

}  // namespace ropescale::dist
