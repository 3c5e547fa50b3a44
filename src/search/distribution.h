#pragma once
// How the search spreads work over MPI ranks. This header has no MPI types; the one file that
// talks to MPI is distribution.cc. Without a launcher (no mpirun/srun environment) and when
// MPI was not initialised by the caller, everything runs in this one process.
#include <functional>
#include <string>
#include <vector>

#include "src/model/backend.h"

namespace ropescale::search {

// Initialises MPI for the lifetime of the object when the process was started by mpirun/srun
// (and MPI is not initialised yet); finalises what it initialised.
class DistributedSession {
 public:
  DistributedSession();
  ~DistributedSession();
  DistributedSession(const DistributedSession&) = delete;
  DistributedSession& operator=(const DistributedSession&) = delete;

 private:
  bool finalize_ = false;
};

int WorldRank();  // 0 without MPI
int WorldSize();  // 1 without MPI
// Index of this rank among the ranks on its node (MPI_COMM_TYPE_SHARED); 0 without MPI.
int LocalRank();
void Barrier();
// Rank 0's value of `flag` on every rank (collective).
bool BroadcastFlag(bool flag);

// Scores tasks 0..num_tasks-1 over all ranks with dynamic assignment (a shared counter on
// rank 0 that each rank fetch-and-adds; a rank that finishes early takes the next task). Every
// rank gets all results in task order, so what follows is the same on every rank. Collective.
std::vector<LossSums> DistributeTasks(int num_tasks, const std::function<LossSums(int)>& score);

// Runs `body` on this rank. An exception ends the whole job: with more than one rank it prints
// one line "ropescale: error on rank R of K: MESSAGE" and calls MPI_Abort (so no other rank
// hangs in a collective); with one rank it is rethrown for the caller to report.
void RunOrAbortJob(const std::function<void()>& body);

}  // namespace ropescale::search
