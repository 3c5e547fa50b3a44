#pragma once
// A Communicator over any MPI communicator. The only header of ropescale that includes <mpi.h>;
// code outside src/dist sees communicators only through src/dist/communicator.h.
#include <mpi.h>

#include <memory>

#include "src/dist/communicator.h"

namespace ropescale::dist {

// Collective over `comm` (it is duplicated, so ropescale's messages never match the caller's;
// the caller may free `comm` afterwards). MPI must be initialised; the returned communicator must
// be destroyed before MPI_Finalize. Host buffers only: a device buffer is an Error.
std::unique_ptr<Communicator> MakeMpiCommunicator(MPI_Comm comm);

// True between MPI_Init and MPI_Finalize.
bool MpiActive();

}  // namespace ropescale::dist
