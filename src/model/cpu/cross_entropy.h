#pragma once
// Softmax cross-entropy over the vocabulary, per token, with per-token weights.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "src/model/cpu/parallel.h"
#include "src/model/cpu/softmax_row.h"

namespace ropescale::cpu {

// loss[i] = logsumexp(logits_i) - logits_i[target_i]; 0 where target < 0 (ignored).
template <typename T>
void CrossEntropyForward(int64_t n, int vocab, const T* logits, const int32_t* targets, T* loss) {
#pragma omp parallel for schedule(static) if (n * vocab >= kMinParallelWork)
  for (int64_t i = 0; i < n; ++i) {
    if (targets[i] < 0) {
      loss[i] = 0;
      continue;
    }
    const T* li = logits + i * vocab;
    const T mx = *std::max_element(li, li + vocab);
    double sum = 0.0;
    for (int j = 0; j < vocab; ++j) sum += std::exp(static_cast<double>(li[j] - mx));
    loss[i] = static_cast<T>(std::log(sum) + mx - li[targets[i]]);
  }
}

// dlogits_i = scale_i * (softmax(logits_i) - onehot(target_i)), scale_i = weight_i / normalizer;
// zero where target < 0. Overwrites dlogits.
template <typename T>
void CrossEntropyBackward(int64_t n, int vocab, const T* logits, const int32_t* targets,
                          const T* weights, double normalizer, T* dlogits) {
#pragma omp parallel for schedule(static) if (n * vocab >= kMinParallelWork)
  for (int64_t i = 0; i < n; ++i) {
    T* di = dlogits + i * vocab;
    const T scale = static_cast<T>(weights[i] / normalizer);
    if (targets[i] < 0 || scale == T(0)) {
      std::fill_n(di, vocab, T(0));
      continue;
    }
    const T* li = logits + i * vocab;
    std::copy_n(li, vocab, di);
    const T sum = ExpShiftSum(di, vocab, RowMax(li, vocab));
    ScaleRow(di, vocab, scale / sum);
    di[targets[i]] -= scale;
  }
}

}  // namespace ropescale::cpu
