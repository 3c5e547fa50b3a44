// The conveniences of Communicator, written once over its virtual calls.
#include "src/dist/communicator.h"

namespace ropescale::dist {

double Communicator::AllReduceSum(double value) {
  AllReduceSum(std::span<double>(&value, 1));
  return value;
}

int64_t Communicator::AllReduceSum(int64_t value) {
  AllReduceSum(std::span<int64_t>(&value, 1));
  return value;
}

bool Communicator::BroadcastFlag(bool flag, int root) {
  uint8_t value = flag ? 1 : 0;
  Broadcast(HostView(std::span<uint8_t>(&value, 1)), root);
  return value != 0;
}

}  // namespace ropescale::dist
