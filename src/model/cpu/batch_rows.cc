#include "src/model/cpu/batch_rows.h"

#include <cstdint>

namespace ropescale::cpu {
namespace {

template <typename V>
V Slice(const V& values, int64_t begin, int64_t end) {
  return values.empty() ? V() : V(values.begin() + begin, values.begin() + end);
}

}  // namespace

Batch SliceRows(const Batch& batch, int first, int rows) {
  const int64_t begin = int64_t{first} * batch.seq_len;
  const int64_t end = begin + int64_t{rows} * batch.seq_len;
  Batch out;
  out.batch_size = rows;
  out.seq_len = batch.seq_len;
  out.tokens = Slice(batch.tokens, begin, end);
  out.targets = Slice(batch.targets, begin, end);
  out.loss_weights = Slice(batch.loss_weights, begin, end);
  out.positions = Slice(batch.positions, begin, end);
  out.segment_ids = Slice(batch.segment_ids, begin, end);
  out.ropes = batch.ropes.size() == 1 ? batch.ropes
                                      : std::vector<RopeSpec>(batch.ropes.begin() + first,
                                                              batch.ropes.begin() + first + rows);
  return out;
}

}  // namespace ropescale::cpu
