#pragma once
// Causal multi-head attention with grouped-query heads and optional packed documents:
// out_i = sum_j softmax_j(q_i . k_j / sqrt(head_dim)) v_j over j <= i with the same segment id.
// Query rows are processed in blocks, so memory is O(block * T) per thread: nothing of size
// T * T (or B * heads * T * T) is ever kept. The backward pass recomputes the probabilities.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "src/model/cpu/fast_exp.h"
#include "src/model/cpu/gemm.h"
#include "src/model/cpu/parallel.h"
#include "src/model/cpu/softmax_row.h"

namespace ropescale::cpu {

struct AttentionShape {
  int batch = 0;
  int seq_len = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int group() const { return num_heads / num_kv_heads; }
};

inline constexpr int kAttentionBlock = 64;

namespace attention_detail {

// probs[r, j] (r < i1 - i0, j < i1) = softmax over allowed keys of scale * q_{i0+r} . k_j; zero
// where not allowed. q: rows of the head (stride ldq), k: keys of the kv head (stride ldk).
template <typename T>
void BlockProbs(int i0, int i1, int head_dim, T scale, const T* q, int ldq, const T* k, int ldk,
                const int32_t* segments, T* probs) {
  const int rows = i1 - i0;
  const int keys = i1;
  Gemm(false, true, rows, keys, head_dim, scale, q + static_cast<int64_t>(i0) * ldq, ldq, k, ldk,
       T(0), probs, keys);
  for (int r = 0; r < rows; ++r) {
    const int i = i0 + r;
    T* p = probs + static_cast<int64_t>(r) * keys;
    if (segments == nullptr) {
      const T mx = RowMax(p, i + 1);
      ScaleRow(p, i + 1, T(1) / ExpShiftSum(p, i + 1, mx));
    } else {
      const int32_t seg = segments[i];
      T mx = -std::numeric_limits<T>::infinity();
      for (int j = 0; j <= i; ++j) {
        if (segments[j] == seg) mx = std::max(mx, p[j]);
      }
      T sum = 0;
      for (int j = 0; j <= i; ++j) {
        p[j] = segments[j] == seg ? Exp(p[j] - mx) : T(0);
        sum += p[j];
      }
      ScaleRow(p, i + 1, T(1) / sum);
    }
    std::fill(p + i + 1, p + keys, T(0));
  }
}

}  // namespace attention_detail

// q, out: [B*T, num_heads*head_dim]; k, v: [B*T, num_kv_heads*head_dim]; segment_ids: [B*T] or
// null. Query head h reads kv head h / group.
template <typename T>
void AttentionForward(const AttentionShape& s, const T* q, const T* k, const T* v,
                      const int32_t* segment_ids, T* out) {
  const int T_ = s.seq_len, hd = s.head_dim;
  const int ldq = s.num_heads * hd, ldk = s.num_kv_heads * hd;
  const int blocks = (T_ + kAttentionBlock - 1) / kAttentionBlock;
  const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(hd)));
  const int64_t tasks = static_cast<int64_t>(s.batch) * s.num_heads * blocks;
  const int64_t work = tasks * kAttentionBlock * kAttentionBlock * hd;
#pragma omp parallel if (tasks > 1 && work >= kMinParallelWork)
  {
    std::vector<T> probs(static_cast<size_t>(kAttentionBlock) * T_);
#pragma omp for schedule(dynamic)
    for (int64_t task = tasks - 1; task >= 0; --task) {  // long (late) blocks first
      const int blk = static_cast<int>(task % blocks);
      const int h = static_cast<int>((task / blocks) % s.num_heads);
      const int b = static_cast<int>(task / blocks / s.num_heads);
      const int kvh = h / s.group();
      const int64_t row0 = static_cast<int64_t>(b) * T_;
      const int i0 = blk * kAttentionBlock, i1 = std::min(T_, i0 + kAttentionBlock);
      const int32_t* seg = segment_ids != nullptr ? segment_ids + row0 : nullptr;
      attention_detail::BlockProbs(i0, i1, hd, scale, q + row0 * ldq + h * hd, ldq,
                                   k + row0 * ldk + kvh * hd, ldk, seg, probs.data());
      Gemm(false, false, i1 - i0, hd, i1, T(1), probs.data(), i1, v + row0 * ldk + kvh * hd, ldk,
           T(0), out + (row0 + i0) * ldq + h * hd, ldq);
    }
  }
}

// One new query per row against that row's cached keys and values (incremental decoding):
// for row b and head h, out = sum_j softmax_j(q . k_j / sqrt(head_dim)) v_j over the
// j < s.seq_len keys of the row (the query's own key included: causal by construction).
// q, out: [s.batch, num_heads*head_dim]; k, v: [s.batch * row_stride, num_kv_heads*head_dim]
// with row b's keys from b * row_stride on. The query heads of a kv head are one small GEMM.
template <typename T>
void AttentionOneQuery(const AttentionShape& s, int64_t row_stride, const T* q, const T* k,
                       const T* v, T* out) {
  const int keys = s.seq_len, hd = s.head_dim, group = s.group();
  const int ldq = s.num_heads * hd, ldk = s.num_kv_heads * hd;
  const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(hd)));
  const int64_t tasks = static_cast<int64_t>(s.batch) * s.num_kv_heads;
  const int64_t work = tasks * group * keys * hd;
#pragma omp parallel if (tasks > 1 && work >= kMinParallelWork)
  {
    std::vector<T> probs(static_cast<size_t>(group) * keys);
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; ++task) {
      const int kvh = static_cast<int>(task % s.num_kv_heads);
      const int64_t b = task / s.num_kv_heads;
      const T* qg = q + b * ldq + kvh * group * hd;  // the group's heads, hd apart
      const T* kb = k + b * row_stride * ldk + kvh * hd;
      const T* vb = v + b * row_stride * ldk + kvh * hd;
      Gemm(false, true, group, keys, hd, scale, qg, hd, kb, ldk, T(0), probs.data(), keys);
      for (int r = 0; r < group; ++r) {
        T* p = probs.data() + static_cast<int64_t>(r) * keys;
        ScaleRow(p, keys, T(1) / ExpShiftSum(p, keys, RowMax(p, keys)));
      }
      Gemm(false, false, group, hd, keys, T(1), probs.data(), keys, vb, ldk, T(0),
           out + b * ldq + kvh * group * hd, hd);
    }
  }
}

// Given out (from the forward) and dout, overwrites dq, dk, dv.
template <typename T>
void AttentionBackward(const AttentionShape& s, const T* q, const T* k, const T* v,
                       const int32_t* segment_ids, const T* out, const T* dout, T* dq, T* dk,
                       T* dv) {
  const int T_ = s.seq_len, hd = s.head_dim;
  const int ldq = s.num_heads * hd, ldk = s.num_kv_heads * hd;
  const int blocks = (T_ + kAttentionBlock - 1) / kAttentionBlock;
  const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(hd)));
  const int64_t tasks = static_cast<int64_t>(s.batch) * s.num_kv_heads;
  const int64_t work = tasks * T_ * T_ * hd;
#pragma omp parallel if (tasks > 1 && work >= kMinParallelWork)
  {
    std::vector<T> probs(static_cast<size_t>(kAttentionBlock) * T_);
    std::vector<T> dprobs(static_cast<size_t>(kAttentionBlock) * T_);
#pragma omp for schedule(dynamic)
    for (int64_t task = 0; task < tasks; ++task) {
      const int kvh = static_cast<int>(task % s.num_kv_heads);
      const int b = static_cast<int>(task / s.num_kv_heads);
      const int64_t row0 = static_cast<int64_t>(b) * T_;
      const int32_t* seg = segment_ids != nullptr ? segment_ids + row0 : nullptr;
      const T* kb = k + row0 * ldk + kvh * hd;
      const T* vb = v + row0 * ldk + kvh * hd;
      T* dkb = dk + row0 * ldk + kvh * hd;
      T* dvb = dv + row0 * ldk + kvh * hd;
      for (int t = 0; t < T_; ++t) {
        std::fill_n(dkb + static_cast<int64_t>(t) * ldk, hd, T(0));
        std::fill_n(dvb + static_cast<int64_t>(t) * ldk, hd, T(0));
      }
      for (int h = kvh * s.group(); h < (kvh + 1) * s.group(); ++h) {
        const T* qb = q + row0 * ldq + h * hd;
        const T* ob = out + row0 * ldq + h * hd;
        const T* dob = dout + row0 * ldq + h * hd;
        T* dqb = dq + row0 * ldq + h * hd;
        for (int blk = 0; blk < blocks; ++blk) {
          const int i0 = blk * kAttentionBlock, i1 = std::min(T_, i0 + kAttentionBlock);
          const int rows = i1 - i0, keys = i1;
          attention_detail::BlockProbs(i0, i1, hd, scale, qb, ldq, kb, ldk, seg, probs.data());
          // dP = dO V^T
          Gemm(false, true, rows, keys, hd, T(1), dob + static_cast<int64_t>(i0) * ldq, ldq, vb,
               ldk, T(0), dprobs.data(), keys);
          // dS = P * (dP - rowsum(dO * O))
          for (int r = 0; r < rows; ++r) {
            const T* o = ob + static_cast<int64_t>(i0 + r) * ldq;
            const T* d = dob + static_cast<int64_t>(i0 + r) * ldq;
            T dot = 0;
            for (int e = 0; e < hd; ++e) dot += o[e] * d[e];
            const T* p = probs.data() + static_cast<int64_t>(r) * keys;
            T* ds = dprobs.data() + static_cast<int64_t>(r) * keys;
            for (int j = 0; j < keys; ++j) ds[j] = p[j] * (ds[j] - dot);
          }
          // dQ = scale dS K; dK += scale dS^T Q; dV += P^T dO
          Gemm(false, false, rows, hd, keys, scale, dprobs.data(), keys, kb, ldk, T(0),
               dqb + static_cast<int64_t>(i0) * ldq, ldq);
          Gemm(true, false, keys, hd, rows, scale, dprobs.data(), keys,
               qb + static_cast<int64_t>(i0) * ldq, ldq, T(1), dkb, ldk);
          Gemm(true, false, keys, hd, rows, T(1), probs.data(), keys,
               dob + static_cast<int64_t>(i0) * ldq, ldq, T(1), dvb, ldk);
        }
      }
    }
  }
}

}  // namespace ropescale::cpu
