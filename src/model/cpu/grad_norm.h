#pragma once
// Sum of squares of a tensor in double, reduced in fixed chunks in order (independent of the
// thread count), for the global gradient norm.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "src/model/cpu/parallel.h"

namespace ropescale::cpu {

template <typename T>
double SumOfSquares(int64_t n, const T* x) {
  constexpr int64_t kChunk = 4096;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> parts(static_cast<size_t>(chunks), 0.0);
#pragma omp parallel for schedule(static) if (n >= kMinParallelWork)
  for (int64_t c = 0; c < chunks; ++c) {
    double sum = 0.0;
    const int64_t end = std::min(n, (c + 1) * kChunk);
    for (int64_t i = c * kChunk; i < end; ++i) sum += static_cast<double>(x[i]) * x[i];
    parts[c] = sum;
  }
  double total = 0.0;
  for (double p : parts) total += p;
  return total;
}

}  // namespace ropescale::cpu
