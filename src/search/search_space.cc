#include "src/search/search_space.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"

namespace ropescale::search {

std::string_view SearchMethodName(SearchMethod method) {
  return method == SearchMethod::kLongRope2 ? "longrope2" : "longrope";
}

SearchMethod ParseSearchMethod(std::string_view name) {
  if (name == "longrope") return SearchMethod::kLongRope;
  if (name == "longrope2") return SearchMethod::kLongRope2;
  Fail("--method: unknown search method '{}' (longrope|longrope2)", name);
}

std::string_view BelowCriticalName(BelowCritical rule) {
  return rule == BelowCritical::kNtk ? "ntk" : "search";
}

BelowCritical ParseBelowCritical(std::string_view name) {
  if (name == "search") return BelowCritical::kSearch;
  if (name == "ntk") return BelowCritical::kNtk;
  Fail("--below-critical: unknown rule '{}' (search|ntk)", name);
}

std::vector<double> SearchSpace::Factors(const Candidate& candidate) const {
  std::vector<double> factors(candidate.grid.size());
  for (size_t i = 0; i < factors.size(); ++i) factors[i] = Factor(candidate.grid[i]);
  if (below_critical == BelowCritical::kNtk && critical_index > 0 &&
      critical_index < static_cast<int>(factors.size())) {
    const double top = factors[critical_index];
    for (int i = 0; i < critical_index; ++i) {
      factors[i] = std::pow(top, static_cast<double>(i) / critical_index);
    }
  }
  return factors;
}

bool SearchSpace::IsValid(const Candidate& candidate) const {
  if (static_cast<int>(candidate.grid.size()) != num_factors) return false;
  for (int i = 0; i < num_factors; ++i) {
    if (candidate.grid[i] < lower[i] || candidate.grid[i] > upper[i]) return false;
    if (i > 0 && candidate.grid[i] < candidate.grid[i - 1]) return false;
  }
  return std::find(n_hat_grid.begin(), n_hat_grid.end(), candidate.n_hat) != n_hat_grid.end();
}

Candidate SearchSpace::Snap(const std::vector<double>& factors, int n_hat) const {
  Check(static_cast<int>(factors.size()) == num_factors,
        "search: {} initial factors given, the model has {} frequencies", factors.size(),
        num_factors);
  Candidate candidate;
  candidate.grid.resize(num_factors);
  int64_t running = 0;
  for (int i = 0; i < num_factors; ++i) {
    Check(std::isfinite(factors[i]), "search: initial factor {} is not finite", i);
    int64_t value = std::llround(factors[i] * static_cast<double>(divisions));
    value = std::clamp(value, lower[i], upper[i]);
    value = std::max(value, running);
    Check(value <= upper[i], "search: no monotone factors fit the bounds at index {}", i);
    candidate.grid[i] = running = value;
  }
  candidate.n_hat = n_hat;
  if (std::find(n_hat_grid.begin(), n_hat_grid.end(), n_hat) == n_hat_grid.end()) {
    candidate.n_hat = n_hat_grid.front();
  }
  return candidate;
}

SearchSpace MakeSearchSpace(const SearchSpaceOptions& options) {
  Check(options.num_factors > 0, "search: the model has no rotary frequencies");
  Check(options.scale >= 1.0, "--target-len: target / original window is {} (< 1)", options.scale);
  Check(options.grid_step > 0.0 && options.grid_step <= 1.0, "--grid-step must be in (0, 1]");
  const double inverse = 1.0 / options.grid_step;
  const int64_t divisions = std::llround(inverse);
  Check(std::abs(inverse - static_cast<double>(divisions)) < 1e-6 * inverse,
        "--grid-step {}: 1 / step must be an integer", options.grid_step);

  SearchSpace space;
  space.method = options.method;
  space.num_factors = options.num_factors;
  space.divisions = divisions;
  space.scale = options.scale;
  space.max_scale = options.max_scale > 0.0 ? options.max_scale : 2.0 * options.scale;
  Check(space.max_scale >= options.scale, "--max-scale {} is below the scale s = {}",
        space.max_scale, options.scale);
  Check(options.below_critical == BelowCritical::kSearch ||
            options.method == SearchMethod::kLongRope2,
        "--below-critical ntk needs --method longrope2 (longrope has no critical index)");
  space.n_hat_grid = options.n_hat_grid.empty() ? std::vector<int>{0} : options.n_hat_grid;
  for (int n : space.n_hat_grid) Check(n >= 0, "--n-hat-grid: negative n_hat {}", n);

  const auto floor_grid = [&](double v) {
    return static_cast<int64_t>(std::floor(v * divisions + 1e-9));
  };
  const auto ceil_grid = [&](double v) {
    return static_cast<int64_t>(std::ceil(v * divisions - 1e-9));
  };
  const int64_t one = divisions;
  const int64_t s_max = floor_grid(space.max_scale);
  space.lower.assign(options.num_factors, one);
  space.upper.assign(options.num_factors, s_max);
  if (options.method == SearchMethod::kLongRope2) {
    Check(options.critical_index >= 0 && options.critical_index <= options.num_factors,
          "--critical-index {} is outside 0..{}", options.critical_index, options.num_factors);
    space.critical_index = options.critical_index;
    space.below_critical = options.below_critical;
    Check(options.below_critical == BelowCritical::kSearch ||
              options.critical_index < options.num_factors,
          "--below-critical ntk: critical index {} leaves no searched factor (the model has {})",
          options.critical_index, options.num_factors);
    const int64_t below_hi = options.below_critical == BelowCritical::kNtk
                                 ? one
                                 : std::min(s_max, floor_grid(options.scale + 5.0));
    const int64_t above_lo = ceil_grid(options.scale);
    for (int i = 0; i < options.num_factors; ++i) {
      if (i < options.critical_index) {
        space.upper[i] = below_hi;
      } else {
        space.lower[i] = above_lo;
      }
    }
  }
  for (int i = 0; i < options.num_factors; ++i) {
    Check(space.lower[i] <= space.upper[i], "search: empty range for factor {} ([{}, {}])", i,
          space.Factor(space.lower[i]), space.Factor(space.upper[i]));
  }
  return space;
}

}  // namespace ropescale::search
