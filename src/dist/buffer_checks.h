#pragma once
// Checks every communicator makes on the buffers it is handed (private to src/dist).
#include <string>

#include "src/core/buffer_view.h"

namespace ropescale::dist {

// A well-formed view: count >= 0, data set when count > 0.
void CheckBuffer(const BufferView& buffer, const char* call, const std::string& communicator);
// A type AllReduceSum can add: float32, float64 or int64.
void CheckSummable(const BufferView& buffer, const std::string& communicator);
// 0 <= root < size.
void CheckRoot(int root, int size, const std::string& communicator);

}  // namespace ropescale::dist
