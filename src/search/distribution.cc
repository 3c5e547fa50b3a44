#include "src/search/distribution.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <span>

#include "src/core/error.h"

namespace ropescale::search {

std::vector<LossSums> DistributeTasks(dist::Communicator& comm, int num_tasks,
                                      const std::function<LossSums(int)>& score) {
  std::vector<LossSums> results(num_tasks);
  const int size = comm.Size();
  if (size == 1) {
    for (int task = 0; task < num_tasks; ++task) results[task] = score(task);
    return results;
  }

  // Each rank fills its own tasks' rows of a zeroed table (weighted_loss, weight, times scored)
  // and counts its tasks in its own slot at the end; one sum over the ranks then gives every
  // rank the whole table. Every entry is one rank's value plus zeros, so the sum is exact.
  const size_t rows = static_cast<size_t>(num_tasks);
  std::vector<double> table(3 * rows + size, 0.0);
  {
    const auto counter = comm.NewTaskCounter();
    for (int64_t task = counter->Next(); task < num_tasks; task = counter->Next()) {
      const LossSums sums = score(static_cast<int>(task));
      table[3 * task] = sums.weighted_loss;
      table[3 * task + 1] = sums.weight;
      table[3 * task + 2] = 1.0;
      table[3 * rows + comm.Rank()] += 1.0;
    }
  }
  comm.AllReduceSum(std::span<double>(table));

  for (size_t task = 0; task < rows; ++task) {
    Check(table[3 * task + 2] == 1.0, "search: task {} was scored {} times", task,
          table[3 * task + 2]);
    results[task] = LossSums{table[3 * task], table[3 * task + 1]};
  }
  if (comm.IsRoot()) {
    // Load balance: how many tasks each rank took (dynamic assignment).
    spdlog::debug("search: tasks per rank: {}",
                  fmt::join(std::span<const double>(table).subspan(3 * rows), " "));
  }
  return results;
}

}  // namespace ropescale::search
