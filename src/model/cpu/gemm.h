#pragma once
// General matrix multiply on row-major matrices through OpenBLAS (cblas), in float and double:
// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C. The CPU backend parallelises with
// OpenMP only; OpenBLAS runs single-threaded (see UseSingleThreadedBlas), so a Gemm may be
// called from inside a parallel region, and ParallelGemm splits one product across threads.
namespace ropescale::cpu {

// Makes OpenBLAS run on the calling thread only (one level of parallelism: OpenMP).
void UseSingleThreadedBlas();

void Gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc);
void Gemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc);

// The same product, split into row (or column) blocks over the OpenMP threads. Each element of
// C is computed by one cblas call whatever the thread count.
template <typename T>
void ParallelGemm(bool trans_a, bool trans_b, int m, int n, int k, T alpha, const T* a, int lda,
                  const T* b, int ldb, T beta, T* c, int ldc);

}  // namespace ropescale::cpu
