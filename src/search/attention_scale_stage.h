#pragma once
// `ropescale search --stage attention-scale`: LongRoPE2's second search. The rescale factors
// of a factor file (--init-factors, e.g. the factor search's --out) stay fixed; the search
// walks the attention scale (attention_scale.h) with the factor search's evolution, log,
// resume and distributed scoring, and writes the same kinds of outputs.
#include "io/checkpoint.h"
#include "io/tokenizer.h"
#include "src/dist/communicator.h"
#include "src/eval/corpus.h"
#include "src/model/backend.h"
#include "src/rope/rope_spec.h"
#include "src/search/search_command.h"
#include "src/search/search_runner.h"

namespace ropescale::search {

// What `RunSearchCommand` has prepared for either stage.
struct PreparedSearch {
  const Checkpoint& checkpoint;
  Backend& backend;
  const Corpus& corpus;
  const Tokenizer& tokenizer;  // the model's: the comparison's documents
  // The factor search's RoPE for this model and target (kind, windows, short factors,
  // critical index, --attention-factor): the fixed factors replace its long_factor.
  RopeSpec rope_template;
  int target = 0;
  // Evolution, seed, generations, log, resume; the header's provenance and documents. The
  // stage sets the space and settings_json.
  SearchRunSettings run;
};

// Collective over `comm` (its ranks share the scoring); rank 0 prints the result as JSON and
// writes --out (the HF block with the best attention_factor; a per-frequency scale as the
// extra key `frequency_scale`), --out-model and the log.
void RunAttentionScaleStage(dist::Communicator& comm, const SearchCommandOptions& options,
                            PreparedSearch prepared);

}  // namespace ropescale::search
