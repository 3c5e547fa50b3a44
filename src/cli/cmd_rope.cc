// PLACEHOLDER: replaced by the real `ropescale rope` command.
#include "src/cli/commands.h"

namespace ropescale::cli {

void AddRopeCommand(CLI::App& app) { app.add_subcommand("rope", "(not built yet)"); }

}  // namespace ropescale::cli
