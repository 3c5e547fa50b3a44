#include "src/model/cpu/softmax_row.h"

#include "src/model/cpu/fast_exp.h"

namespace ropescale::cpu {

#if defined(__x86_64__) && defined(__GNUC__)
#define ROPESCALE_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ROPESCALE_VECTOR_CLONES
#endif

ROPESCALE_VECTOR_CLONES float RowMax(const float* x, int n) {
  float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
  for (int i = 0; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  return mx;
}

ROPESCALE_VECTOR_CLONES float ExpShiftSum(float* x, int n, float shift) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int i = 0; i < n; ++i) {
    x[i] = FastExp(x[i] - shift);
    sum += x[i];
  }
  return sum;
}

ROPESCALE_VECTOR_CLONES void ScaleRow(float* x, int n, float scale) {
#pragma omp simd
  for (int i = 0; i < n; ++i) x[i] *= scale;
}

}  // namespace ropescale::cpu
