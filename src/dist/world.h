#pragma once
// Starting and ending a job: MPI is initialised only when the process was started by a launcher
// (mpirun / mpiexec / srun --mpi=...), so the same binary runs alone without MPI. This header
// has no MPI types.
#include <functional>
#include <memory>

#include "src/dist/communicator.h"

namespace ropescale::dist {

// Initialises MPI for the lifetime of the object when started by a launcher and MPI is not
// initialised yet (with MPI_THREAD_FUNNELED); finalises what it initialised.
class JobSession {
 public:
  JobSession();
  ~JobSession();
  JobSession(const JobSession&) = delete;
  JobSession& operator=(const JobSession&) = delete;

 private:
  bool finalize_ = false;
};

// The communicator of all processes of the job: MPI's world when MPI is running, else a single
// process one.
std::unique_ptr<Communicator> WorldCommunicator();

// Runs `body`. An exception ends the whole job: with more than one rank through
// comm.Abort(message, exit_code of the error (1)); with one rank it is rethrown for the caller.
void RunOrAbortJob(Communicator& comm, const std::function<void()>& body);

}  // namespace ropescale::dist
