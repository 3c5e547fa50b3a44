#include "src/cli/search_size_options.h"

namespace ropescale::cli {

void AddSearchSizeOptions(CLI::App& command, search::SearchCommandOptions& options) {
  command.add_option("--population", options.population, "Size of generation 0")
      ->capture_default_str();
  command
      .add_option("--parents", options.parents, "Parents kept per generation (0 = population/2)")
      ->capture_default_str();
  command.add_option("--mutations", options.mutations, "Mutants per generation (0 = population/4)")
      ->capture_default_str();
  command
      .add_option("--crossovers", options.crossovers,
                  "Crossover children per generation (0 = population - parents - mutations)")
      ->capture_default_str();
  command
      .add_option("--generations", options.generations,
                  "Evolution steps after the initial population")
      ->capture_default_str();
  command.add_option("--documents", options.documents, "Evaluation documents per candidate")
      ->capture_default_str();
}

}  // namespace ropescale::cli
