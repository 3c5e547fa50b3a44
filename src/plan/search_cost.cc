#include "src/plan/search_cost.h"

#include "src/core/error.h"

namespace ropescale::plan {

SearchCost EstimateSearchCost(const SearchShape& shape, int ranks, double forward_s) {
  Check(shape.population >= 1, "search plan: population must be >= 1 (got {})", shape.population);
  Check(shape.children >= 1, "search plan: children per generation must be >= 1 (got {})",
        shape.children);
  Check(shape.generations >= 0, "search plan: generations must be >= 0 (got {})",
        shape.generations);
  Check(shape.documents >= 1, "search plan: documents must be >= 1 (got {})", shape.documents);
  Check(ranks >= 1, "search plan: ranks must be >= 1 (got {})", ranks);
  const auto rounds = [ranks](int64_t tasks) { return (tasks + ranks - 1) / ranks; };
  SearchCost cost;
  cost.candidates = shape.population + int64_t{shape.generations} * shape.children;
  cost.forwards = cost.candidates * shape.documents;
  cost.candidate_s = shape.documents * forward_s;
  const int64_t first = rounds(int64_t{shape.population} * shape.documents);
  const int64_t later = rounds(int64_t{shape.children} * shape.documents);
  cost.wall_s = static_cast<double>(first + shape.generations * later) * forward_s;
  return cost;
}

}  // namespace ropescale::plan
