#pragma once
// How the search spreads its scoring over the ranks of a communicator (src/dist): dynamic task
// assignment with results in task order on every rank. No MPI here.
#include <functional>
#include <vector>

#include "src/dist/communicator.h"
#include "src/model/backend.h"

namespace ropescale::search {

// Scores tasks 0..num_tasks-1 over all ranks of `comm` with dynamic assignment (the
// communicator's task counter: a rank that finishes early takes the next task). Every rank gets
// all results in task order, so what follows is the same on every rank. Collective.
std::vector<LossSums> DistributeTasks(dist::Communicator& comm, int num_tasks,
                                      const std::function<LossSums(int)>& score);

}  // namespace ropescale::search
