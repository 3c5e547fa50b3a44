#pragma once
// Short-window recovery (LongRoPE): on an extended longrope model, the same evolutionary search
// walks the SHORT factors (the ones HF applies to inputs up to the original window L) with the
// long factors fixed, so that short inputs regain their original quality. This file holds what
// differs from the long-factor search: the space, the seeds and the candidate's RoPE.
#include <string>
#include <string_view>
#include <vector>

#include "src/rope/rope_spec.h"
#include "src/search/search_space.h"

namespace ropescale::search {

// Which factor vector of a longrope RoPE a search walks.
enum class SearchedFactors { kLong, kShort };
std::string_view SearchedFactorsName(SearchedFactors factors);
SearchedFactors ParseSearchedFactors(std::string_view name);  // "long" | "short"

// Throws Error naming `model_path` unless `model_rope` is an extended model's RoPE: kind
// longrope/longrope2 with long factors, an original window L and n_hat = 0 (HF-exportable).
void CheckShortRecoveryModel(const RopeSpec& model_rope, const std::string& model_path);

// The largest short factor searched when none is given: the model's scale s = M / L or its
// largest long factor, whichever is larger (the recovered factors lie between no interpolation,
// 1, and the long interpolation).
double DefaultShortMaxScale(const RopeSpec& model_rope);

// Every short factor in [1, max_scale] on the grid, monotone non-decreasing; n_hat fixed at 0
// (the model keeps its own n_hat). max_scale <= 0 means DefaultShortMaxScale.
SearchSpace ShortFactorSpace(const RopeSpec& model_rope, double max_scale, double grid_step);

// Seeds: all ones (the original frequencies, HF's short factors when none are given), the
// model's current short factors, and its long factors, each snapped into the space; duplicates
// dropped.
std::vector<Candidate> ShortFactorSeeds(const SearchSpace& space, const RopeSpec& model_rope);

// The model's RoPE with short_factor = the candidate's factors; everything else (long factors,
// windows, factor, attention factor, n_hat, kind, critical index) unchanged.
RopeSpec ShortCandidateRope(const SearchSpace& space, const RopeSpec& model_rope,
                            const Candidate& candidate);

}  // namespace ropescale::search
