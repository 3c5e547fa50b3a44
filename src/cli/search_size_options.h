#pragma once
// The options that size a factor search (--population, --parents, --mutations, --crossovers,
// --generations, --documents), shared by `search` (which runs it) and `plan` (which costs it).
#include <CLI/CLI.hpp>

#include "src/search/search_command.h"

namespace ropescale::cli {

void AddSearchSizeOptions(CLI::App& command, search::SearchCommandOptions& options);

}  // namespace ropescale::cli
