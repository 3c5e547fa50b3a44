#pragma once
// One function per subcommand, each in its own file (cmd_<name>.cc), registered by main.cc.
#include <CLI/CLI.hpp>

namespace ropescale::cli {

void AddRopeCommand(CLI::App& app);       // rope show | rope critical-dim
void AddConvertCommand(CLI::App& app);    // HF folder <-> HDF5 checkpoint
void AddScoreCommand(CLI::App& app);      // loss + last logits of one token sequence
void AddPretrainCommand(CLI::App& app);   // plain short-context CPU pretraining
void AddEvalCommand(CLI::App& app);       // perplexity by length and RoPE
void AddSearchCommand(CLI::App& app);     // distributed evolutionary factor search
void AddTrainCommand(CLI::App& app);      // mixed context window fine-tuning
void AddTokenizeCommand(CLI::App& app);   // *.txt folder -> token-shard file
void AddDocumentsCommand(CLI::App& app);  // evaluation-document file
void AddPlanCommand(CLI::App& app);       // memory, FLOPs and time per rank before a job

}  // namespace ropescale::cli
