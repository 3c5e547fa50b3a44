// PLACEHOLDER: replaced by the real `ropescale eval` command.
#include "src/cli/commands.h"

namespace ropescale::cli {

void AddEvalCommand(CLI::App& app) { app.add_subcommand("eval", "(not built yet)"); }

}  // namespace ropescale::cli
