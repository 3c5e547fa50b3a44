#pragma once
// Spreading scoring work over the ranks of a communicator (src/dist): dynamic task assignment,
// results in task order on every rank, bit for bit the same whatever the rank count. The search
// scores its (candidate, document) tasks with it and the evaluation its (RoPE, document) chunks.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "src/dist/communicator.h"
#include "src/model/backend.h"

namespace ropescale {

// Called on every rank after each task it ran with (tasks handed out so far over all ranks,
// tasks in all): what a progress line on rank 0 needs.
using TaskProgress = std::function<void(int64_t handed_out, int64_t total)>;

// Runs tasks 0..num_tasks-1 over all ranks of `comm` with dynamic assignment (the
// communicator's task counter: a rank that finishes early takes the next task). `run(task,
// record)` fills the task's `width` doubles (zeroed before). Returns the num_tasks x width table
// in task order on every rank: each rank fills its tasks' rows of a zeroed table and one
// AllReduceSum adds the tables, so every entry is one rank's value plus zeros (exact). Throws
// Error when a task was not run exactly once. Collective.
std::vector<double> DistributeTaskRecords(
    dist::Communicator& comm, int64_t num_tasks, int width,
    const std::function<void(int64_t, std::span<double>)>& run, const TaskProgress& progress = {});

// DistributeTaskRecords for tasks that each give loss sums.
std::vector<LossSums> DistributeTasks(dist::Communicator& comm, int num_tasks,
                                      const std::function<LossSums(int)>& score,
                                      const TaskProgress& progress = {});

}  // namespace ropescale
