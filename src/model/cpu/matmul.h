#pragma once
// Linear layer without bias, as torch.nn.Linear: y[n,out] = x[n,in] * W^T, W stored [out,in].
#include "src/model/cpu/gemm.h"

namespace ropescale::cpu {

// y = x W^T (y += x W^T when accumulate, e.g. straight into a residual stream).
template <typename T>
void LinearForward(int n, int in, int out, const T* x, const T* w, T* y, bool accumulate = false) {
  ParallelGemm<T>(false, true, n, out, in, T(1), x, in, w, in, accumulate ? T(1) : T(0), y, out);
}

// dW += dy^T x; dx = dy W (dx += dy W when accumulate_dx). dx may be null.
template <typename T>
void LinearBackward(int n, int in, int out, const T* x, const T* w, const T* dy, T* dx,
                    bool accumulate_dx, T* dw) {
  if (dx != nullptr) {
    ParallelGemm<T>(false, false, n, in, out, T(1), dy, out, w, in, accumulate_dx ? T(1) : T(0), dx,
                    in);
  }
  ParallelGemm<T>(true, false, out, in, n, T(1), dy, out, x, in, T(1), dw, in);
}

}  // namespace ropescale::cpu
