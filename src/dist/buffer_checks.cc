#include "src/dist/buffer_checks.h"

#include <string>

#include "src/core/error.h"

namespace ropescale::dist {

void CheckBuffer(const BufferView& buffer, const char* call, const std::string& communicator) {
  Check(buffer.count >= 0, "{}: {} of {} elements (negative count)", communicator, call,
        buffer.count);
  Check(buffer.count == 0 || buffer.data != nullptr, "{}: {} of {} {} elements at a null pointer",
        communicator, call, buffer.count, DataTypeName(buffer.type));
}

void CheckSummable(const BufferView& buffer, const std::string& communicator) {
  Check(buffer.type == DataType::kFloat32 || buffer.type == DataType::kFloat64 ||
            buffer.type == DataType::kInt64,
        "{}: AllReduceSum of a {} buffer (only float32, float64 and int64 can be summed)",
        communicator, DataTypeName(buffer.type));
}

void CheckRoot(int root, int size, const std::string& communicator) {
  Check(root >= 0 && root < size, "{}: broadcast root {} is not a rank of {}", communicator, root,
        size);
}

}  // namespace ropescale::dist
