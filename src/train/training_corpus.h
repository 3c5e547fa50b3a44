#pragma once
// The training text of `ropescale train --data`: a folder of *.txt files (tokenized on the fly) or
// a token-shard file written by `ropescale tokenize` (io/token_shards.h).
#include <string>

#include "io/tokenizer.h"
#include "src/eval/corpus.h"

namespace ropescale {

// Throws Error naming the path when it is neither, or when the shard file's tokenizer is not
// `tokenizer` (by vocabulary size).
Corpus LoadTrainingCorpus(const std::string& path, const Tokenizer& tokenizer);

}  // namespace ropescale
