#pragma once
// Checks the global heap collections of an HDF5 file (where variable-length strings live)
// before libhdf5 reads them: libhdf5 1.10 trusts the sizes stored there, so one damaged byte
// makes it read past its buffer (a crash) or loop forever.
#include <string>

namespace ropescale::h5 {

// Throws one ropescale::Error naming `path` when a collection ("GCOL") or one of its objects
// claims more bytes than the collection or the file holds, or an object index repeats.
void CheckGlobalHeaps(const std::string& path);

}  // namespace ropescale::h5
