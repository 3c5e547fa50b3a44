#include "src/model/cpu/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>

#include "src/model/cpu/parallel.h"

namespace ropescale::cpu {
namespace {

CBLAS_TRANSPOSE Op(bool trans) { return trans ? CblasTrans : CblasNoTrans; }

// Rows of C handed to one cblas call: large enough for the BLAS kernel to be efficient.
constexpr int kMinBlock = 32;

}  // namespace

void UseSingleThreadedBlas() { openblas_set_num_threads(1); }

namespace {
// Every Gemm makes sure, once, that OpenBLAS does not start its own threads.
void EnsureSingleThreadedBlas() {
  static const bool done = (UseSingleThreadedBlas(), true);
  (void)done;
}
}  // namespace

void Gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  EnsureSingleThreadedBlas();
  cblas_sgemm(CblasRowMajor, Op(trans_a), Op(trans_b), m, n, k, alpha, a, lda, b, ldb, beta, c,
              ldc);
}

void Gemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  EnsureSingleThreadedBlas();
  cblas_dgemm(CblasRowMajor, Op(trans_a), Op(trans_b), m, n, k, alpha, a, lda, b, ldb, beta, c,
              ldc);
}

template <typename T>
void ParallelGemm(bool trans_a, bool trans_b, int m, int n, int k, T alpha, const T* a, int lda,
                  const T* b, int ldb, T beta, T* c, int ldc) {
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const int64_t work = int64_t{m} * n * k;
  if (threads <= 1 || work < kMinParallelWork || (m < 2 * kMinBlock && n < 2 * kMinBlock)) {
    Gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  if (m >= n || m >= threads * kMinBlock) {
    // Split the rows of C: rows of op(A).
    const int blocks = std::min(threads, (m + kMinBlock - 1) / kMinBlock);
    const int rows = (m + blocks - 1) / blocks;
#pragma omp parallel for schedule(static) num_threads(blocks)
    for (int blk = 0; blk < blocks; ++blk) {
      const int r0 = blk * rows;
      const int r1 = std::min(m, r0 + rows);
      const T* a_blk = trans_a ? a + r0 : a + static_cast<long>(r0) * lda;
      Gemm(trans_a, trans_b, r1 - r0, n, k, alpha, a_blk, lda, b, ldb, beta,
           c + static_cast<long>(r0) * ldc, ldc);
    }
  } else {
    // Split the columns of C: columns of op(B).
    const int blocks = std::min(threads, (n + kMinBlock - 1) / kMinBlock);
    const int cols = (n + blocks - 1) / blocks;
#pragma omp parallel for schedule(static) num_threads(blocks)
    for (int blk = 0; blk < blocks; ++blk) {
      const int c0 = blk * cols;
      const int c1 = std::min(n, c0 + cols);
      const T* b_blk = trans_b ? b + static_cast<long>(c0) * ldb : b + c0;
      Gemm(trans_a, trans_b, m, c1 - c0, k, alpha, a, lda, b_blk, ldb, beta, c + c0, ldc);
    }
  }
}

template void ParallelGemm<float>(bool, bool, int, int, int, float, const float*, int, const float*,
                                  int, float, float*, int);
template void ParallelGemm<double>(bool, bool, int, int, int, double, const double*, int,
                                   const double*, int, double, double*, int);

}  // namespace ropescale::cpu
