#pragma once
// One AdamW step on one tensor (Loshchilov & Hutter; as torch.optim.AdamW): decoupled weight
// decay p *= 1 - lr * wd, then the bias-corrected Adam update.
#include <cmath>
#include <cstdint>

#include "src/model/cpu/parallel.h"

namespace ropescale::cpu {

struct AdamWStep {
  double lr = 0.0;
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.0;  // 0 for tensors that are not decayed
  double grad_scale = 1.0;    // gradient clipping factor
  int64_t step = 1;           // 1-based step number, for the bias correction
};

template <typename T>
void AdamWUpdate(int64_t n, const AdamWStep& s, const T* grad, T* param, T* m, T* v) {
  const double bias1 = 1.0 - std::pow(s.beta1, static_cast<double>(s.step));
  const double bias2 = 1.0 - std::pow(s.beta2, static_cast<double>(s.step));
  const double decay = 1.0 - s.lr * s.weight_decay;
#pragma omp parallel for schedule(static) if (n >= kMinParallelWork)
  for (int64_t i = 0; i < n; ++i) {
    const double g = static_cast<double>(grad[i]) * s.grad_scale;
    const double mi = s.beta1 * m[i] + (1.0 - s.beta1) * g;
    const double vi = s.beta2 * v[i] + (1.0 - s.beta2) * g * g;
    m[i] = static_cast<T>(mi);
    v[i] = static_cast<T>(vi);
    const double update = (mi / bias1) / (std::sqrt(vi / bias2) + s.eps);
    param[i] = static_cast<T>(param[i] * decay - s.lr * update);
  }
}

}  // namespace ropescale::cpu
