#pragma once
// Rotary embedding applied as Hugging Face does (rotate_half): in each head, dims j and
// j + half (j < half, half = rotary_dim / 2) are rotated by the angle of frequency j; dims from
// rotary_dim on (partial rotary) are left untouched.
#include <cstdint>

#include "src/model/cpu/parallel.h"

namespace ropescale::cpu {

// x: [n, num_heads * head_dim], rotated in place. cos/sin: [n, half] for each token (already
// multiplied by the attention scaling). transpose = true applies the transposed rotation
// (sin -> -sin), which is the backward pass of the forward rotation.
template <typename T>
void RopeApply(int64_t n, int num_heads, int head_dim, int half, const T* cos, const T* sin, T* x,
               bool transpose) {
  const T sign = transpose ? T(-1) : T(1);
#pragma omp parallel for schedule(static) if (n * num_heads * half >= kMinParallelWork)
  for (int64_t i = 0; i < n; ++i) {
    const T* c = cos + i * half;
    const T* s = sin + i * half;
    for (int h = 0; h < num_heads; ++h) {
      T* xh = x + (i * num_heads + h) * head_dim;
      for (int j = 0; j < half; ++j) {
        const T a = xh[j];
        const T b = xh[j + half];
        const T sj = sign * s[j];
        xh[j] = a * c[j] - b * sj;
        xh[j + half] = b * c[j] + a * sj;
      }
    }
  }
}

}  // namespace ropescale::cpu
