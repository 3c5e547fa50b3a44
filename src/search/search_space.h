#pragma once
// The space a LongRoPE / LongRoPE2 search walks: one rescale factor lambda_i per frequency,
// on a fixed grid, each inside its own bounds, monotone non-decreasing over i; plus LongRoPE's
// n_hat from a small list. A candidate holds grid indices (integers), so equality, dedupe and
// the log are exact; factor = index / divisions.
#include <compare>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ropescale::search {

enum class SearchMethod { kLongRope, kLongRope2 };
std::string_view SearchMethodName(SearchMethod method);
SearchMethod ParseSearchMethod(std::string_view name);  // "longrope" | "longrope2"

// longrope2: what becomes of the factors below the critical index c. kSearch: each is searched
// in [1, s + 5] (the authors' search.py). kNtk: not searched; lambda_i = lambda_c^(i/c) from
// the first searched factor lambda_c (the authors' `ntk_left`).
enum class BelowCritical { kSearch, kNtk };
std::string_view BelowCriticalName(BelowCritical rule);
BelowCritical ParseBelowCritical(std::string_view name);  // "search" | "ntk"

struct Candidate {
  std::vector<int64_t> grid;  // lambda_i = grid[i] / divisions
  int n_hat = 0;
  // clang-tidy 14 misreads the literal 0 it synthesizes for defaulted <=> as a null pointer.
  auto operator<=>(const Candidate&) const = default;  // NOLINT(modernize-use-nullptr)
  bool operator==(const Candidate&) const = default;
};

struct SearchSpaceOptions {
  SearchMethod method = SearchMethod::kLongRope;
  int num_factors = 0;          // rotary_dim / 2
  double scale = 1.0;           // s = target / original window
  double max_scale = 0.0;       // S_max; 0 = 2 s
  int critical_index = -1;      // longrope2: first index searched in [s, S_max]; required there
  double grid_step = 0.01;      // must divide 1 (1 / grid_step an integer)
  std::vector<int> n_hat_grid;  // empty = {0}
  BelowCritical below_critical = BelowCritical::kSearch;  // longrope2 only
};

struct SearchSpace {
  SearchMethod method = SearchMethod::kLongRope;
  int num_factors = 0;
  int64_t divisions = 100;  // grid points per 1.0
  double scale = 1.0;
  double max_scale = 2.0;
  int critical_index = -1;
  std::vector<int64_t> lower;  // per factor, in grid units, inclusive
  std::vector<int64_t> upper;
  std::vector<int> n_hat_grid;
  // kNtk: grid[i] for i < critical_index is fixed at 1 (lower = upper) and Factors() derives
  // those factors from grid[critical_index].
  BelowCritical below_critical = BelowCritical::kSearch;

  double Factor(int64_t grid_value) const { return static_cast<double>(grid_value) / divisions; }
  std::vector<double> Factors(const Candidate& candidate) const;
  // Inside the bounds, monotone, n_hat from the grid.
  bool IsValid(const Candidate& candidate) const;
  // Nearest valid candidate: rounds to the grid, clamps into the bounds, then makes the
  // factors monotone (running maximum, clamped again). Throws Error when no valid candidate
  // exists (bounds that cannot be monotone).
  Candidate Snap(const std::vector<double>& factors, int n_hat = 0) const;
};

// Bounds: longrope: every lambda_i in [1, S_max]. longrope2: i < critical_index in
// [1, s + 5] (capped by S_max), or fixed at 1 and derived (BelowCritical::kNtk),
// i >= critical_index in [s, S_max]. Throws Error naming the option for an inconsistent
// request.
SearchSpace MakeSearchSpace(const SearchSpaceOptions& options);

}  // namespace ropescale::search
