// PLACEHOLDER: replaced by the real `ropescale convert` command.
#include "src/cli/commands.h"

namespace ropescale::cli {

void AddConvertCommand(CLI::App& app) { app.add_subcommand("convert", "(not built yet)"); }

}  // namespace ropescale::cli
