#include "src/eval/distributed_tasks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "src/core/error.h"

namespace ropescale {

std::vector<double> DistributeTaskRecords(
    dist::Communicator& comm, int64_t num_tasks, int width,
    const std::function<void(int64_t, std::span<double>)>& run, const TaskProgress& progress) {
  Check(num_tasks >= 0 && width >= 1, "distributed tasks: {} tasks of width {}", num_tasks, width);
  const size_t rows = static_cast<size_t>(num_tasks);
  const size_t size = static_cast<size_t>(comm.Size());
  if (size == 1) {
    std::vector<double> table(rows * width, 0.0);
    for (int64_t task = 0; task < num_tasks; ++task) {
      run(task, std::span<double>(table).subspan(task * width, width));
      if (progress) progress(task + 1, num_tasks);
    }
    return table;
  }

  // Row = the task's record and the number of times it ran; after the rows, one slot per rank
  // counts its tasks (the load balance, for the debug log).
  const size_t stride = static_cast<size_t>(width) + 1;
  std::vector<double> table(rows * stride + size, 0.0);
  {
    const auto counter = comm.NewTaskCounter();
    for (int64_t task = counter->Next(); task < num_tasks; task = counter->Next()) {
      std::span<double> row = std::span<double>(table).subspan(task * stride, stride);
      run(task, row.first(width));
      row[width] += 1.0;
      table[rows * stride + comm.Rank()] += 1.0;
      if (progress) progress(std::min(task + 1, num_tasks), num_tasks);
    }
  }
  comm.AllReduceSum(std::span<double>(table));

  std::vector<double> records(rows * width);
  for (size_t task = 0; task < rows; ++task) {
    Check(table[task * stride + width] == 1.0, "distributed tasks: task {} ran {} times", task,
          table[task * stride + width]);
    std::copy_n(table.begin() + task * stride, width, records.begin() + task * width);
  }
  if (comm.IsRoot()) {
    spdlog::debug("distributed tasks: tasks per rank: {}",
                  fmt::join(std::span<const double>(table).subspan(rows * stride), " "));
  }
  return records;
}

std::vector<LossSums> DistributeTasks(dist::Communicator& comm, int num_tasks,
                                      const std::function<LossSums(int)>& score,
                                      const TaskProgress& progress) {
  const std::vector<double> table = DistributeTaskRecords(
      comm, num_tasks, 2,
      [&](int64_t task, std::span<double> record) {
        const LossSums sums = score(static_cast<int>(task));
        record[0] = sums.weighted_loss;
        record[1] = sums.weight;
      },
      progress);
  std::vector<LossSums> results(num_tasks);
  for (int task = 0; task < num_tasks; ++task) {
    results[task] = LossSums{table[2 * task], table[2 * task + 1]};
  }
  return results;
}

}  // namespace ropescale
