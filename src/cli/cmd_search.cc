// `ropescale search`: distributed evolutionary search of RoPE rescale factors (LongRoPE,
// LongRoPE2). Argument handling only; the work is in src/search/search_command.cc.
#include "src/cli/commands.h"
#include "src/cli/option_validators.h"
#include "src/cli/search_size_options.h"
#include "src/core/error.h"
#include "src/search/search_command.h"

namespace ropescale::cli {

void AddSearchCommand(CLI::App& app) {
  auto options = std::make_shared<search::SearchCommandOptions>();
  auto attention = std::make_shared<double>(0.0);
  CLI::App* cmd = app.add_subcommand(
      "search",
      "Evolutionary search of per-frequency RoPE rescale factors (run alone, or under "
      "mpirun -np K / srun: ranks share the candidates; results do not depend on K)");
  cmd->add_option("--model", options->model, "Model checkpoint (.h5) or HF folder")->required();
  cmd->add_option("--method", options->method, "longrope | longrope2")->capture_default_str();
  cmd->add_option("--target-len", options->target_len,
                  "Target context in tokens (0 = 8 x the model's original window)")
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Seed of every random draw and of the documents")
      ->check(NonNegativeInteger())
      ->capture_default_str();
  AddSearchSizeOptions(*cmd, *options);
  cmd->add_option("--out", options->out, "Write the HF rope_scaling JSON block here");
  cmd->add_option("--out-model", options->out_model,
                  "Also write a copy of the checkpoint with the winning RoPE");
  cmd->add_option("--log", options->log, "HDF5 search log (rank 0 writes it)");
  cmd->add_flag("--resume", options->resume,
                "Continue from the last complete generation in --log (fresh start if absent)");
  cmd->add_option("--fitness", options->fitness,
                  "needle (loss on the pass-key answer tokens; the default) | ppl (all tokens; "
                  "the default with --factors short)");
  cmd->add_option("--corpus", options->corpus, "Folder of held-out *.txt documents")
      ->capture_default_str();
  cmd->add_option("--eval-documents", options->eval_documents,
                  "score candidates on the documents of this evaluation-document file (made by "
                  "`ropescale documents` in the model's tokenizer): every set of the fitness's "
                  "kind at the target length; replaces --documents and the --corpus/--seed draw")
      ->check(CLI::ExistingFile);
  cmd->add_option("--max-scale", options->max_scale,
                  "Largest factor S_max (0 = 2 s; with --factors short: the larger of s and the "
                  "largest long factor)")
      ->capture_default_str();
  cmd->add_option("--grid-step", options->grid_step,
                  "Factor grid step (1/step an integer); with --stage attention-scale the "
                  "multipliers' grid")
      ->capture_default_str();
  cmd->add_option("--critical-index", options->critical_index,
                  "longrope2: first frequency index searched in [s, S_max] (-1 = theoretical)")
      ->capture_default_str();
  cmd->add_option("--below-critical", options->below_critical,
                  "longrope2: the factors below the critical index c: search (each searched in "
                  "[1, s + 5], the space of the authors' search.py) | ntk (not searched: "
                  "lambda_i = lambda_c^(i/c) from the first searched factor, the authors' "
                  "ntk_left, the shape of their published LLaMA-3-8B factors; searches only "
                  "the dims from c on). Default search: the wider space, which holds the ntk "
                  "shape too, and the one earlier logs resume in")
      ->check(CLI::IsMember({"search", "ntk"}))
      ->capture_default_str();
  cmd->add_option("--n-hat-grid", options->n_hat_grid,
                  "longrope: n_hat values searched (comma-separated; HF export uses n_hat = 0)")
      ->capture_default_str();
  cmd->add_option("--attention-factor", *attention,
                  "Attention scale for cos/sin (0 = sqrt(1 + ln s / ln L))")
      ->capture_default_str();
  cmd->add_option("--init-factors", options->init_factors,
                  "CSV or JSON factors used as the only seed (progressive / short-window search); "
                  "with --stage attention-scale the factors kept fixed (e.g. a previous --out)");
  cmd->add_option("--stage", options->stage,
                  "factors (search the rescale factors) | attention-scale (LongRoPE2's second "
                  "search: keep the factors of --init-factors, search the attention scale as "
                  "multipliers m of the start scale: --attention-factor, else the file's "
                  "attention_factor, else sqrt(1 + ln s / ln L))")
      ->check(CLI::IsMember({"factors", "attention-scale"}))
      ->capture_default_str();
  cmd->add_option("--attention-scale", options->attention_scale,
                  "--stage attention-scale: scalar (one m: HF's attention_factor) | "
                  "per-frequency (one m per frequency, non-decreasing, multiplying cos/sin of "
                  "that pair: ropescale's own frequency_scale, which HF exports drop)")
      ->check(CLI::IsMember({"scalar", "per-frequency"}))
      ->capture_default_str();
  cmd->add_option("--attention-scale-min", options->attention_scale_min,
                  "--stage attention-scale: smallest multiplier m (in (0, 1])")
      ->capture_default_str();
  cmd->add_option("--attention-scale-max", options->attention_scale_max,
                  "--stage attention-scale: largest multiplier m (>= 1)")

      ->capture_default_str();
  cmd->add_option("--init-scale", options->init_scale,
                  "Scale s the --init-factors were searched for: rescale them linearly to this "
                  "search's s, 1 + (f - 1)(s - 1)/(init_scale - 1) (progressive extension; 0 = "
                  "as given)")
      ->capture_default_str();
  cmd->add_option("--factors", options->factors,
                  "long: search the long factors for --target-len. short: short-window recovery "
                  "on an extended longrope model: search its short factors (long ones fixed) on "
                  "documents of --target-len <= the original window (default: that window)")
      ->check(CLI::IsMember({"long", "short"}))
      ->capture_default_str();
  cmd->add_option("--backend", options->backend, "cpu | cuda")->capture_default_str();
  cmd->add_option("--device", options->device,
                  "CUDA device (-1 = the rank's index on its node: one GPU per rank)")
      ->capture_default_str();
  cmd->add_option("--threads", options->threads, "CPU threads per rank (0 = all)")
      ->capture_default_str();
  cmd->add_option("--evaluate", options->evaluate_factors,
                  "No search: score the factors of this file (e.g. a previous --out) and "
                  "original/PI/NTK/YaRN on --compare-documents (else --documents) fresh documents");
  cmd->add_option("--compare-documents", options->compare_documents,
                  "After the search, score the winner and original/PI/NTK/YaRN on this many "
                  "fresh held-out needle documents and perplexity windows (0 = skip)")
      ->capture_default_str();
  cmd->add_option("--stop-after-generation", options->stop_after_generation)
      ->group("");  // hidden: tests simulate a kill deterministically
  cmd->add_option("--inject-failure-rank", options->inject_failure_rank)
      ->group("");  // hidden: tests check that one failing rank ends the whole job
  cmd->callback([cmd, options, attention] {
    if (*attention != 0.0) options->attention_factor = *attention;  // checked by the search
    for (const char* flag :
         {"--attention-scale", "--attention-scale-min", "--attention-scale-max"}) {
      Check(cmd->count(flag) == 0 || options->stage == "attention-scale",
            "{} needs --stage attention-scale", flag);
    }
    search::RunSearchCommand(*options);
  });
}

}  // namespace ropescale::cli
