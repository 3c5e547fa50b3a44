#pragma once
// Row primitives of the softmaxes (attention, cross-entropy): the max of a row and
// x <- exp(x - shift) with the sum. The float versions are vectorised (an AVX2/FMA clone is
// picked at load time where the CPU has it); the double versions are plain loops on std::exp.
#include <cmath>

namespace ropescale::cpu {

float RowMax(const float* x, int n);
// x[i] = exp(x[i] - shift); returns the sum (float accumulation in vector lanes).
float ExpShiftSum(float* x, int n, float shift);
void ScaleRow(float* x, int n, float scale);

inline double RowMax(const double* x, int n) {
  double mx = -INFINITY;
  for (int i = 0; i < n; ++i) mx = std::fmax(mx, x[i]);
  return mx;
}
inline double ExpShiftSum(double* x, int n, double shift) {
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - shift);
    sum += x[i];
  }
  return sum;
}
inline void ScaleRow(double* x, int n, double scale) {
  for (int i = 0; i < n; ++i) x[i] *= scale;
}

}  // namespace ropescale::cpu
