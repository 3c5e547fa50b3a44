#pragma once
// What the plan assumes of a backend: bytes per stored element and the sustained FLOP rate of
// one rank. The defaults and their sources are in src/plan/README.md.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ropescale::plan {

// Bytes per element of each kind of buffer.
struct ElementBytes {
  int weight = 4;      // working weights
  int master = 0;      // fp32 master copy beside lower-precision working weights; 0 = none
  int gradient = 4;    // the flat gradient buffer (float32 on every backend: src/model/backend.h)
  int moment = 4;      // each of AdamW's two moments
  int activation = 4;  // activations, their gradients, cos/sin tables
  int logit = 4;       // logits and their gradients (the loss is taken in fp32)
};

struct BackendProfile {
  std::string name;
  ElementBytes bytes;
  // Sustained FLOP/s of one compute unit (cpu: one thread; cuda: one device) before efficiency.
  double unit_flops_per_s = 0;
  bool unit_is_thread = false;     // a rank has `threads` units (cpu), else one (a device)
  double efficiency = 1.0;         // fraction of unit_flops_per_s reached end to end
  int64_t logit_chunk_tokens = 0;  // logits held at once; 0 = every scored token at once
  // Rows of the probability scratch each thread of a blocked attention keeps (x T elements;
  // the backward keeps twice that); 0 for a fused (flash) attention that keeps nothing of T.
  int attention_block_rows = 0;
  std::string throughput_source;  // one line: where unit_flops_per_s and efficiency come from
};

// "cpu" or "cuda"; throws Error listing them otherwise.
BackendProfile DefaultBackendProfile(std::string_view name);
std::vector<std::string> PlannedBackends();

}  // namespace ropescale::plan
