#include "src/model/cpu/token_rotary.h"

#include <algorithm>
#include <cstdint>

#include "src/core/error.h"
#include "src/rope/rope_frequencies.h"

namespace ropescale::cpu {
namespace {

struct CachedTable {
  const RopeSpec* spec;
  int num_positions;
  RopeTable table;
};

}  // namespace

TokenRotary BuildTokenRotary(const Batch& batch, int head_dim) {
  const int B = batch.batch_size, T = batch.seq_len;
  TokenRotary rotary;
  std::vector<CachedTable> tables;  // rows with the same RoPE and length share one table
  for (int b = 0; b < B; ++b) {
    const RopeSpec& spec = batch.ropes.size() == 1 ? batch.ropes[0] : batch.ropes[b];
    Check(spec.head_dim == head_dim, "batch: ropes[{}].head_dim = {} but the model has head_dim {}",
          b, spec.head_dim, head_dim);
    const int32_t* pos =
        batch.positions.empty() ? nullptr : batch.positions.data() + int64_t{b} * T;
    const int num_positions = pos == nullptr ? T : *std::max_element(pos, pos + T) + 1;
    auto it = std::find_if(tables.begin(), tables.end(), [&](const CachedTable& c) {
      return c.num_positions == num_positions && (c.spec == &spec || *c.spec == spec);
    });
    if (it == tables.end()) {
      tables.push_back({&spec, num_positions, BuildRopeTable(spec, num_positions, num_positions)});
      it = tables.end() - 1;
    }
    const RopeTable& table = it->table;
    if (b == 0) {
      rotary.half = table.half;
      rotary.cos.resize(static_cast<size_t>(B) * T * table.half);
      rotary.sin.resize(rotary.cos.size());
    }
    Check(table.half == rotary.half,
          "batch: ropes[{}] rotates {} dims but row 0 rotates {}: rows must share rotary_dim", b,
          2 * table.half, 2 * rotary.half);
    const int half = rotary.half;
    for (int t = 0; t < T; ++t) {
      const int p = pos == nullptr ? t : pos[t];
      const int64_t dst = (int64_t{b} * T + t) * half;
      std::copy_n(table.cos.data() + int64_t{p} * half, half, rotary.cos.data() + dst);
      std::copy_n(table.sin.data() + int64_t{p} * half, half, rotary.sin.data() + dst);
    }
  }
  return rotary;
}

}  // namespace ropescale::cpu
