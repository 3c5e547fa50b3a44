#pragma once
// Helpers for finite-difference gradient checks in double: a random vector, and the central
// difference of a scalar function with respect to every entry of a vector.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "src/core/rng.h"

namespace ropescale::testing {

inline std::vector<double> RandomVector(int64_t n, uint64_t stream, double scale = 1.0) {
  CounterRng rng(1234, stream);
  std::vector<double> v(n);
  for (double& x : v) x = scale * rng.Normal();
  return v;
}

// d loss / d x[i] by central differences (step h), for every i; x is restored.
inline std::vector<double> NumericGradient(std::vector<double>& x,
                                           const std::function<double()>& loss, double h = 1e-6) {
  std::vector<double> grad(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double saved = x[i];
    x[i] = saved + h;
    const double plus = loss();
    x[i] = saved - h;
    const double minus = loss();
    x[i] = saved;
    grad[i] = (plus - minus) / (2 * h);
  }
  return grad;
}

// Compares analytic[i] with the central difference at every `stride`-th entry (a sample, for
// inputs large enough that checking everything is slow).
inline void ExpectGradientAtSample(const std::vector<double>& analytic, std::vector<double>& x,
                                   const std::function<double()>& loss, size_t stride, double tol,
                                   double h = 1e-6) {
  ASSERT_EQ(analytic.size(), x.size());
  for (size_t i = 0; i < x.size(); i += stride) {
    const double saved = x[i];
    x[i] = saved + h;
    const double plus = loss();
    x[i] = saved - h;
    const double minus = loss();
    x[i] = saved;
    EXPECT_NEAR(analytic[i], (plus - minus) / (2 * h), tol) << "at index " << i;
  }
}

inline double Dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace ropescale::testing

// Every entry within an absolute tolerance (the values are O(1) here).
#define EXPECT_VECTORS_NEAR(a, b, tol)                           \
  do {                                                           \
    ASSERT_EQ((a).size(), (b).size());                           \
    for (size_t i_ = 0; i_ < (a).size(); ++i_) {                 \
      EXPECT_NEAR((a)[i_], (b)[i_], (tol)) << "at index " << i_; \
    }                                                            \
  } while (0)
