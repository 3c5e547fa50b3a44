#pragma once
// SwiGLU gate of the LLaMA MLP: h = silu(gate) * up, silu(a) = a * sigmoid(a).
#include <cmath>
#include <cstdint>

#include "src/model/cpu/fast_exp.h"
#include "src/model/cpu/parallel.h"

namespace ropescale::cpu {

template <typename T>
void SwigluForward(int64_t n, const T* gate, const T* up, T* out) {
#pragma omp parallel for schedule(static) if (n >= kMinParallelWork)
  for (int64_t i = 0; i < n; ++i) {
    const T a = gate[i];
    const T sig = T(1) / (T(1) + Exp(-a));
    out[i] = a * sig * up[i];
  }
}

// Overwrites dgate and dup.
template <typename T>
void SwigluBackward(int64_t n, const T* gate, const T* up, const T* dout, T* dgate, T* dup) {
#pragma omp parallel for schedule(static) if (n >= kMinParallelWork)
  for (int64_t i = 0; i < n; ++i) {
    const T a = gate[i];
    const T sig = T(1) / (T(1) + Exp(-a));
    const T silu = a * sig;
    dup[i] = dout[i] * silu;
    dgate[i] = dout[i] * up[i] * sig * (T(1) + a * (T(1) - sig));
  }
}

}  // namespace ropescale::cpu
