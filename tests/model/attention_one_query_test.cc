// AttentionOneQuery (one new query per row against cached keys and values) against the full
// causal AttentionForward: the query of token t attending to keys 0..t gives row t of the full
// attention, for every t, in double (exact up to rounding) and float.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "src/model/cpu/attention.h"
#include "tests/model/grad_check.h"

namespace ropescale::cpu {
namespace {

using testing::RandomVector;

template <typename T>
void CheckAgainstFullAttention(int batch, int seq_len, int heads, int kv_heads, double tol) {
  const int hd = 8, qd = heads * hd;
  const AttentionShape full{batch, seq_len, heads, kv_heads, hd};
  const int64_t nq = int64_t{batch} * seq_len * qd, nk = int64_t{batch} * seq_len * kv_heads * hd;
  auto cast = [](const std::vector<double>& x) { return std::vector<T>(x.begin(), x.end()); };
  const std::vector<T> q = cast(RandomVector(nq, 21)), k = cast(RandomVector(nk, 22));
  const std::vector<T> v = cast(RandomVector(nk, 23));
  std::vector<T> expected(nq);
  AttentionForward(full, q.data(), k.data(), v.data(), nullptr, expected.data());

  std::vector<T> q_t(int64_t{batch} * qd), out_t(int64_t{batch} * qd);
  for (int t = 0; t < seq_len; ++t) {
    for (int b = 0; b < batch; ++b) {
      const int64_t row = int64_t{b} * seq_len + t;
      std::copy_n(q.data() + row * qd, qd, q_t.data() + int64_t{b} * qd);
    }
    // The cache is k and v themselves: row b's keys from b * seq_len on, t + 1 of them.
    const AttentionShape step{batch, t + 1, heads, kv_heads, hd};
    AttentionOneQuery(step, seq_len, q_t.data(), k.data(), v.data(), out_t.data());
    for (int b = 0; b < batch; ++b) {
      const int64_t row = int64_t{b} * seq_len + t;
      for (int e = 0; e < qd; ++e) {
        ASSERT_NEAR(out_t[int64_t{b} * qd + e], expected[row * qd + e], tol)
            << "row " << b << " token " << t << " entry " << e;
      }
    }
  }
}

TEST(AttentionOneQuery, EqualsFullAttentionInDouble) {
  CheckAgainstFullAttention<double>(2, 9, 2, 2, 1e-12);
  CheckAgainstFullAttention<double>(3, 11, 4, 2, 1e-12);  // grouped-query heads
  CheckAgainstFullAttention<double>(1, 7, 4, 1, 1e-12);
}

// Past one 64-row block of the full attention, with enough work per call for the OpenMP team.
TEST(AttentionOneQuery, EqualsFullAttentionInFloat) {
  CheckAgainstFullAttention<float>(2, kAttentionBlock + 30, 4, 2, 1e-5);
  CheckAgainstFullAttention<float>(4, 300, 8, 8, 1e-5);
}

}  // namespace
}  // namespace ropescale::cpu
