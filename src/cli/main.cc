// ropescale: the command-line program. Every error ends here as one line and exit code 1.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "io/checkpoint.h"
#include "ropescale/version.h"
#include "src/cli/commands.h"
#include "src/core/error.h"
#include "src/core/log.h"

namespace {

// Builds the command line, parses it and runs the chosen subcommand; returns the exit code.
int RunProgram(int argc, char** argv) {
  ropescale::SetCommandLine(argc, argv);
  CLI::App app{
      "ropescale: extend the context window of LLaMA-family models with LongRoPE/LongRoPE2"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       std::string(ropescale::kVersion) + " (" + ropescale::kGitHash + ")");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off (stderr)")
      ->capture_default_str();
  app.parse_complete_callback([&] { ropescale::InitLogging(log_level); });

  ropescale::cli::AddRopeCommand(app);
  ropescale::cli::AddConvertCommand(app);
  ropescale::cli::AddScoreCommand(app);
  ropescale::cli::AddPretrainCommand(app);
  ropescale::cli::AddEvalCommand(app);
  ropescale::cli::AddSearchCommand(app);
  ropescale::cli::AddTrainCommand(app);
  ropescale::cli::AddTokenizeCommand(app);
  ropescale::cli::AddDocumentsCommand(app);
  ropescale::cli::AddPlanCommand(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const ropescale::Error& e) {
    std::fprintf(stderr, "ropescale: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ropescale: internal error: %s\n", e.what());
    return 1;
  }
  // Results are buffered: a full disk or a closed pipe shows only when they are flushed, and a
  // command whose results were lost must not end with 0.
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "ropescale: error: writing the results to standard output failed: %s\n",
                 std::strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Building the command line (CLI11 construction errors, allocation) can throw too; those
  // also end as one line and exit code 1 instead of std::terminate.
  try {
    return RunProgram(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ropescale: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "ropescale: internal error: unknown exception\n");
  }
  return 1;
}
