// PLACEHOLDER: replaced by the real `ropescale score` command.
#include "src/cli/commands.h"

namespace ropescale::cli {

void AddScoreCommand(CLI::App& app) { app.add_subcommand("score", "(not built yet)"); }

}  // namespace ropescale::cli
