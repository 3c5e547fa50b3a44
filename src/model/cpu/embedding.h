#pragma once
// Token embedding lookup: out[i] = table[tokens[i]].
#include <algorithm>
#include <cstdint>

#include "src/model/cpu/parallel.h"

namespace ropescale::cpu {

template <typename T>
void EmbeddingForward(int64_t n, int dim, const int32_t* tokens, const T* table, T* out) {
#pragma omp parallel for schedule(static) if (n * dim >= kMinParallelWork)
  for (int64_t i = 0; i < n; ++i) {
    std::copy_n(table + static_cast<int64_t>(tokens[i]) * dim, dim, out + i * dim);
  }
}

// dtable[tokens[i]] += dout[i], serially in token order (deterministic).
template <typename T>
void EmbeddingBackward(int64_t n, int dim, const int32_t* tokens, const T* dout, T* dtable) {
  for (int64_t i = 0; i < n; ++i) {
    T* row = dtable + static_cast<int64_t>(tokens[i]) * dim;
    const T* d = dout + i * dim;
    for (int j = 0; j < dim; ++j) row[j] += d[j];
  }
}

}  // namespace ropescale::cpu
