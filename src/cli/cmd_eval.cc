// `ropescale eval`: the evaluation suite's front end. `eval ppl` (cmd_eval_ppl.cc): perplexity,
// needle loss and retrieval by RoPE and length; `eval passkey` (cmd_eval_passkey.cc): exact
// pass-key retrieval by RoPE, length, depth and needle format. Both run alone or under
// mpirun / srun with the same results for any rank count.
#include "src/cli/commands.h"
#include "src/cli/eval_cli.h"

namespace ropescale::cli {

void AddEvalCommand(CLI::App& app) {
  CLI::App* eval = app.add_subcommand(
      "eval",
      "Evaluate checkpoints (run alone, or under mpirun -np K / srun: ranks share the documents; "
      "results do not depend on K)");
  eval->require_subcommand(1);
  AddEvalPplCommand(*eval);
  AddEvalPasskeyCommand(*eval);
}

}  // namespace ropescale::cli
