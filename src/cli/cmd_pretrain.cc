// PLACEHOLDER: replaced by the real `ropescale pretrain` command.
#include "src/cli/commands.h"

namespace ropescale::cli {

void AddPretrainCommand(CLI::App& app) { app.add_subcommand("pretrain", "(not built yet)"); }

}  // namespace ropescale::cli
