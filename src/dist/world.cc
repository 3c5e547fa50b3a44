// Job start and end: MPI only when a launcher started the process.
#include "src/dist/world.h"

#include <mpi.h>

#include <cstdlib>
#include <exception>

#include "src/core/error.h"
#include "src/dist/mpi_communicator.h"

namespace ropescale::dist {
namespace {

// Environment variables that mpirun (Open MPI, MPICH/Hydra) or srun --mpi=pmix|pmi2 set in each
// rank (not plain Slurm variables: a batch script running one process is no MPI job).
bool StartedByLauncher() {
  for (const char* name :
       {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

}  // namespace

JobSession::JobSession() {
  if (MpiActive() || !StartedByLauncher()) return;
  int provided = 0;
  const int code = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  Check(code == MPI_SUCCESS, "MPI_Init_thread failed (error code {})", code);
  finalize_ = true;
}

JobSession::~JobSession() {
  if (finalize_ && MpiActive()) MPI_Finalize();
}

std::unique_ptr<Communicator> WorldCommunicator() {
  if (!MpiActive()) return MakeSingleProcessCommunicator();
  return MakeMpiCommunicator(MPI_COMM_WORLD);
}

void RunOrAbortJob(Communicator& comm, const std::function<void()>& body) {
  try {
    body();
  } catch (const std::exception& e) {
    if (comm.Size() <= 1) throw;
    comm.Abort(e.what(), 1);
  }
}

}  // namespace ropescale::dist
