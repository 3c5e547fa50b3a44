#pragma once
// The `/tokenizer` group that token shards, evaluation-document files and checkpoints share:
// attributes `name` (string), `vocab_size` (int), optional `identity` (string; absent = "").
#include "io/hdf5_util.h"
#include "io/tokenizer.h"

namespace ropescale {

void WriteTokenizerGroup(const h5::Object& root, const TokenizerIdentity& identity);
// Throws Error naming the file for a missing group or attribute, an empty name or a vocabulary
// size outside [1, 2^31 - 1].
TokenizerIdentity ReadTokenizerGroup(const h5::Object& root);

}  // namespace ropescale
