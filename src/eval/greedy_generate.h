#pragma once
// Greedy generation through a Backend's incremental decoding (Prefill + DecodeStep): what
// "the model writes" means for pass-key retrieval by generation.
#include <cstdint>
#include <vector>

#include "src/model/backend.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

// The greedy token of one row of logits: the argmax, the lowest id on ties.
int32_t GreedyToken(const float* logits, int vocab_size);

// Continues every prompt (all of the same length, at least 1 token) by n_new >= 1 tokens, each
// the GreedyToken after the prompt and the tokens written so far; no stop token. Returns
// n_new tokens per prompt. All prompts decode together as one session of max_len =
// prompt length + n_new, the length of the finished text, so length-dependent RoPE choices
// (longrope's short/long factors) are those of a Forward of that whole text (see
// src/model/decode.h). Opens (replacing any open one) and ends the backend's decoding
// session. Throws Error for empty or unequal prompts, or n_new < 1.
std::vector<std::vector<int32_t>> GreedyGenerate(Backend& backend,
                                                 const std::vector<std::vector<int32_t>>& prompts,
                                                 const RopeSpec& rope, int n_new);

}  // namespace ropescale
