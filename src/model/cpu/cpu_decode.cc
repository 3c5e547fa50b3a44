// Incremental decoding of the CPU backend: per layer a cache of roped keys and values, filled
// by Prefill and extended by one token per row in DecodeStep, through the same layer stages
// (LayerQkv, LayerOutput, HeadForward) as the forward pass.
#include <omp.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "src/core/error.h"
#include "src/model/cpu/attention.h"
#include "src/model/cpu/cpu_backend.h"
#include "src/model/cpu/embedding.h"

namespace ropescale::cpu {
namespace {

// cos/sin of positions [first, first + count) of rows [row0, row0 + rows):
// [rows * count, half], row-major.
void GatherRotary(const TokenRotary& rotary, int row0, int rows, int stride, int first, int count,
                  std::vector<float>& cos, std::vector<float>& sin) {
  const int64_t span = int64_t{count} * rotary.half;
  cos.resize(rows * span);
  sin.resize(rows * span);
  for (int b = 0; b < rows; ++b) {
    const int64_t src = (int64_t{row0 + b} * stride + first) * rotary.half;
    std::copy_n(rotary.cos.data() + src, span, cos.data() + b * span);
    std::copy_n(rotary.sin.data() + src, span, sin.data() + b * span);
  }
}

}  // namespace

void CpuBackend::BeginDecode(const DecodeSpec& spec) {
  DecodeCache cache;
  cache.cursor.Begin(spec, config_);
  cache.stride = spec.max_len;
  // Every row at positions 0..max_len-1 with seq_len = max_len: the RoPE choice of decode.h.
  // BuildTokenRotary reads only the shape, positions and RoPEs of a batch.
  Batch shape;
  shape.batch_size = spec.rows;
  shape.seq_len = spec.max_len;
  shape.ropes = spec.ropes;
  cache.rotary = BuildTokenRotary(shape, config_.head_dim);
  const int64_t kv = int64_t{spec.rows} * spec.max_len * config_.num_kv_heads * config_.head_dim;
  cache.k.assign(config_.num_layers, std::vector<float>(kv));
  cache.v.assign(config_.num_layers, std::vector<float>(kv));
  decode_ = std::move(cache);
}

std::vector<float> CpuBackend::Prefill(const std::vector<int32_t>& tokens) {
  const int prompt_len = decode_.cursor.CheckPrefill(tokens);
  ThreadScope threads(num_threads_);
  decode_.cursor.SetLength(0);  // the old entries are being overwritten
  std::vector<float> logits = DecodeTokens(tokens, 0, prompt_len);
  decode_.cursor.SetLength(prompt_len);
  return logits;
}

std::vector<float> CpuBackend::DecodeStep(const std::vector<int32_t>& tokens) {
  decode_.cursor.CheckStep(tokens);
  ThreadScope threads(num_threads_);
  const int length = decode_.cursor.length();
  std::vector<float> logits = DecodeTokens(tokens, length, 1);
  decode_.cursor.SetLength(length + 1);
  return logits;
}

std::vector<float> CpuBackend::DecodeTokens(const std::vector<int32_t>& tokens, int first,
                                            int count) {
  const int rows = decode_.cursor.spec().rows, V = config_.vocab_size;
  std::vector<float> logits(int64_t{rows} * V);
  const int groups = RowGroups(rows);
  decode_.groups.resize(groups);
  if (groups == 1) {
    DecodeRows(tokens.data(), 0, rows, first, count, decode_.groups[0], logits.data());
    return logits;
  }
  // One group of rows per thread, each through the whole model: one fork/join per call.
  std::vector<std::exception_ptr> errors(groups);
#pragma omp parallel for num_threads(groups) schedule(static, 1)
  for (int g = 0; g < groups; ++g) {
    omp_set_num_threads(1);  // kernels inside a group run on its thread (no nested teams)
    const int row0 = static_cast<int>(int64_t{rows} * g / groups);
    const int row1 = static_cast<int>(int64_t{rows} * (g + 1) / groups);
    try {
      DecodeRows(tokens.data() + int64_t{row0} * count, row0, row1 - row0, first, count,
                 decode_.groups[g], logits.data() + int64_t{row0} * V);
    } catch (...) {
      errors[g] = std::current_exception();
    }
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return logits;
}

void CpuBackend::DecodeRows(const int32_t* tokens, int row0, int rows, int first, int count,
                            DecodeScratch& s, float* logits) {
  // A prompt (first = 0) attends within itself; a later call is one token per row.
  Check(first == 0 || count == 1, "DecodeRows: {} tokens per row at position {}", count, first);
  const ModelConfig& c = config_;
  const DecodeCache& d = decode_;
  const int H = c.hidden_size, kvd = c.num_kv_heads * c.head_dim;
  const int64_t n = int64_t{rows} * count;
  const int64_t cache0 = int64_t{row0} * d.stride * kvd;  // the group's first cache entry
  GatherRotary(d.rotary, row0, rows, d.stride, first, count, s.cos, s.sin);
  s.x.resize(n * H);
  EmbeddingForward(n, H, tokens, Embedding(params_), s.x.data());
  LayerActivations& a = s.layer;
  SizeLayer(n, /*keep=*/false, a);
  for (int layer = 0; layer < c.num_layers; ++layer) {
    LayerQkv(layer, n, s.x.data(), d.rotary.half, s.cos.data(), s.sin.data(), a);
    float* k_cache = decode_.k[layer].data() + cache0;
    float* v_cache = decode_.v[layer].data() + cache0;
    for (int b = 0; b < rows; ++b) {
      const int64_t dst = (int64_t{b} * d.stride + first) * kvd;
      std::copy_n(a.k.data() + int64_t{b} * count * kvd, int64_t{count} * kvd, k_cache + dst);
      std::copy_n(a.v.data() + int64_t{b} * count * kvd, int64_t{count} * kvd, v_cache + dst);
    }
    if (first == 0) {
      const AttentionShape shape{rows, count, c.num_heads, c.num_kv_heads, c.head_dim};
      AttentionForward(shape, a.q.data(), a.k.data(), a.v.data(), nullptr, a.att.data());
    } else {
      const AttentionShape shape{rows, first + 1, c.num_heads, c.num_kv_heads, c.head_dim};
      AttentionOneQuery(shape, d.stride, a.q.data(), k_cache, v_cache, a.att.data());
    }
    LayerOutput(layer, n, a, s.x.data(), /*keep=*/false);
  }
  // The head on each row's last token only.
  s.x_last.resize(int64_t{rows} * H);
  for (int b = 0; b < rows; ++b) {
    std::copy_n(s.x.data() + (int64_t{b} * count + count - 1) * H, H,
                s.x_last.data() + int64_t{b} * H);
  }
  s.rstd.resize(rows);
  s.norm.resize(int64_t{rows} * H);
  HeadForward(rows, s.x_last.data(), s.rstd.data(), s.norm.data(), logits);
}

}  // namespace ropescale::cpu
