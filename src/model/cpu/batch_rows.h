#pragma once
// Rows [first, first + rows) of a batch as a batch of their own (with their RoPEs).
#include "src/model/batch.h"

namespace ropescale::cpu {

Batch SliceRows(const Batch& batch, int first, int rows);

}  // namespace ropescale::cpu
