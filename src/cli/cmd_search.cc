// PLACEHOLDER: replaced by the real `ropescale search` command.
#include "src/cli/commands.h"

namespace ropescale::cli {

void AddSearchCommand(CLI::App& app) { app.add_subcommand("search", "(not built yet)"); }

}  // namespace ropescale::cli
