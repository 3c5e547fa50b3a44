#pragma once
// RMSNorm as Hugging Face LlamaRMSNorm: y = x * rsqrt(mean(x^2) + eps) * w, per row of `dim`.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "src/model/cpu/parallel.h"

namespace ropescale::cpu {

// rstd[i] = 1 / sqrt(mean(x_i^2) + eps) is kept for the backward pass.
template <typename T>
void RmsNormForward(int64_t n, int dim, double eps, const T* x, const T* w, T* y, T* rstd) {
#pragma omp parallel for schedule(static) if (n * dim >= kMinParallelWork)
  for (int64_t i = 0; i < n; ++i) {
    const T* xi = x + i * dim;
    double sum_sq = 0.0;
    for (int j = 0; j < dim; ++j) sum_sq += static_cast<double>(xi[j]) * xi[j];
    const T r = static_cast<T>(1.0 / std::sqrt(sum_sq / dim + eps));
    rstd[i] = r;
    T* yi = y + i * dim;
    for (int j = 0; j < dim; ++j) yi[j] = xi[j] * r * w[j];
  }
}

// dx += dL/dx; dw += dL/dw. Rows are reduced into dw in fixed chunks, in order, so the result
// does not depend on the thread count.
template <typename T>
void RmsNormBackward(int64_t n, int dim, const T* x, const T* w, const T* rstd, const T* dy, T* dx,
                     T* dw) {
  constexpr int64_t kChunk = 64;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<T> dw_parts(static_cast<size_t>(chunks) * dim, T(0));
#pragma omp parallel for schedule(static) if (n * dim >= kMinParallelWork)
  for (int64_t c = 0; c < chunks; ++c) {
    T* part = dw_parts.data() + c * dim;
    const int64_t end = std::min(n, (c + 1) * kChunk);
    for (int64_t i = c * kChunk; i < end; ++i) {
      const T* xi = x + i * dim;
      const T* dyi = dy + i * dim;
      const T r = rstd[i];
      T dot = 0;  // sum_j dy_j * w_j * x_j
      for (int j = 0; j < dim; ++j) {
        dot += dyi[j] * w[j] * xi[j];
        part[j] += dyi[j] * xi[j] * r;
      }
      const T coef = dot * r * r * r / static_cast<T>(dim);
      T* dxi = dx + i * dim;
      for (int j = 0; j < dim; ++j) dxi[j] += dyi[j] * w[j] * r - xi[j] * coef;
    }
  }
  for (int64_t c = 0; c < chunks; ++c) {
    for (int j = 0; j < dim; ++j) dw[j] += dw_parts[c * dim + j];
  }
}

}  // namespace ropescale::cpu
