// `ropescale train`: mixed context window fine-tuning (LongRoPE2), data-parallel under
// mpirun/srun. Progress on stderr, one JSON line per step in --metrics, the summary on stdout.
// Exit codes: 0 done, 1 error (nothing of the last good checkpoint lost), 75 stopped by
// SIGTERM/SIGUSR1/SIGINT after writing a checkpoint ("resume me": run again with --resume).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "io/checkpoint.h"
#include "io/json_file.h"
#include "io/model_loader.h"
#include "io/model_tokenizer.h"
#include "io/tokenizer.h"
#include "src/cli/commands.h"
#include "src/cli/needle_format_options.h"
#include "src/cli/option_validators.h"
#include "src/cli/training_option_checks.h"
#include "src/core/error.h"
#include "src/core/output_paths.h"
#include "src/dist/world.h"
#include "src/eval/baseline_ropes.h"
#include "src/eval/document_file.h"
#include "src/rope/hf_rope_config.h"
#include "src/train/checkpoint_series.h"
#include "src/train/mixed_trainer.h"
#include "src/train/progress_text.h"
#include "src/train/stop_signal.h"
#include "src/train/training_corpus.h"
#include "src/train/training_rope.h"

namespace ropescale::cli {
namespace {

struct TrainCliOptions {
  std::string model;
  std::string data = "data/corpus/train";
  std::string out;
  std::string factors;
  std::string metrics;
  std::string eval_documents;
  std::string mix = "on";
  std::string rope = "factors";
  int short_len = 0;  // 0 = the model's window
  int long_len = 0;   // 0 = the factors' max_position_embeddings (else 8 x the window)
  double long_token_share = 0.5;
  int64_t global_batch_tokens = 8192;
  int64_t micro_batch_tokens = 0;
  int64_t steps = 200;
  double lr = 5e-4;
  double min_lr_fraction = 0.1;
  int64_t warmup = 20;
  double weight_decay = 0.0;
  double grad_clip = 1.0;
  double beta2 = 0.95;
  uint64_t seed = 1;
  double passkey_fraction = 0.0;
  double answer_weight = 1.0;
  int short_doc_min = 0;
  NeedleFormatOptions needle;
  int64_t checkpoint_every = 0;
  int keep_checkpoints = 2;
  int64_t max_steps_this_run = 0;
  bool resume = false;
  int threads = 0;
  std::string backend = "cpu";
  double log_every = 10.0;
  bool json = false;
  int64_t inject_nan_at_step = -1;
};

void RunTrainCommand(const TrainCliOptions& cli) {
  Check(!cli.model.empty(), "--model is required");
  Check(!cli.out.empty(), "--out is required");
  Check(cli.mix == "on" || cli.mix == "off", "--mix: expected on or off, got '{}'", cli.mix);
  Check(cli.threads >= 0 && cli.threads <= kMaxBackendThreads, "--threads: {} is outside [0, {}]",
        cli.threads, kMaxBackendThreads);
  const bool mixed = cli.mix == "on";
  const TrainRope rope_choice = ParseTrainRope(cli.rope, "--rope");
  Check(mixed || !cli.rope.empty(), "--mix off needs --rope");
  Check(!mixed || rope_choice == TrainRope::kFactors,
        "--rope {} needs --mix off (the mixed run trains on the factors)", cli.rope);
  CheckOutputPaths({{"--out", cli.out}, {"--metrics", cli.metrics}},
                   {{"--model", cli.model}, {"--factors", cli.factors}, {"--data", cli.data}});
  for (const auto& [flag, input] : {std::pair{"--model", cli.model}, {"--factors", cli.factors}}) {
    Check(input.empty() || !IsSnapshotOf(input, cli.out),
          "{} {}: is a snapshot of --out {}, which this run may overwrite or remove; copy it "
          "elsewhere first",
          flag, input, cli.out);
  }

  // From here on a stop signal (Slurm's warning) no longer kills the process: the trainer sees
  // it after its next step, checkpoints and exits with 75.
  const StopSignalGuard signals;
  dist::JobSession session;
  std::unique_ptr<dist::Communicator> comm = dist::WorldCommunicator();
  MixedTrainResult result;
  dist::RunOrAbortJob(*comm, [&] {
    const Checkpoint base = LoadModel(cli.model);
    const RopeSpec original = OriginalRope(base.config.rope);
    const int window = PretrainingContext(base.config.rope);
    Check(window > 0, "{}: the model's RoPE has no context length", cli.model);

    // The target length: --long-len, else the factors' own, else 8 L.
    std::optional<RopeSpec> factors;
    if (!cli.factors.empty()) {
      factors = LongRopeFromScalingBlock(base.config, ReadJsonFile(cli.factors), cli.long_len,
                                         cli.factors);
    } else if (IsLongRope(base.config.rope.kind)) {
      factors = base.config.rope;
    }
    const int long_len = cli.long_len > 0 ? cli.long_len
                         : factors        ? factors->max_position_embeddings
                                          : 8 * window;

    MixedTrainOptions options;
    options.data.short_len = cli.short_len > 0 ? cli.short_len : window;
    options.data.long_len = long_len;
    options.data.long_token_share = cli.long_token_share;
    options.data.global_batch_tokens = cli.global_batch_tokens;
    options.data.seed = cli.seed;
    options.data.passkey_fraction = cli.passkey_fraction;
    options.data.answer_weight = cli.answer_weight;
    options.data.short_doc_min = cli.short_doc_min;
    options.data.needle_formats = NeedleFormatsFrom(cli.needle);
    Check(!mixed || options.data.short_len <= window,
          "--short-len {} exceeds the model's window {}: short rows would get the long factors",
          options.data.short_len, window);
    options.rope = ResolveTrainingRope(original, factors, mixed, rope_choice, long_len);
    options.mixed = mixed;
    options.schedule.peak = cli.lr;
    options.schedule.min_fraction = cli.min_lr_fraction;
    options.schedule.warmup_steps = cli.warmup;
    options.schedule.total_steps = cli.steps;
    options.adamw.weight_decay = cli.weight_decay;
    options.adamw.grad_clip = cli.grad_clip;
    options.adamw.beta2 = cli.beta2;
    CheckTrainingOptions(options.schedule, options.adamw);
    options.backend.name = cli.backend;
    options.backend.num_threads = cli.threads;
    options.backend.device = comm->LocalRank();
    options.out_path = cli.out;
    options.metrics_path = cli.metrics;
    options.checkpoint_every = cli.checkpoint_every;
    options.keep_checkpoints = cli.keep_checkpoints;
    options.resume = cli.resume;
    options.micro_batch_tokens = cli.micro_batch_tokens;
    options.max_steps_this_run = cli.max_steps_this_run;
    options.log_every_seconds = cli.log_every;
    options.inject_nan_at_step = cli.inject_nan_at_step;

    const std::unique_ptr<Tokenizer> tokenizer = ModelTokenizer(base, cli.model);
    if (!cli.eval_documents.empty()) {
      const DocumentFile file = ReadDocumentFileFor(cli.eval_documents, tokenizer->Identity());
      for (const DocumentSet* set : SelectSets(file, FitnessKind::kNeedle)) {
        if (set->length > options.data.long_len) continue;
        options.eval_documents.insert(options.eval_documents.end(), set->documents.begin(),
                                      set->documents.end());
      }
      Check(
          !options.eval_documents.empty(),
          "--eval-documents {}: no needle documents of at most --long-len {} tokens (it holds {})",
          cli.eval_documents, options.data.long_len, DocumentFileContents(file));
    }
    const Corpus corpus = LoadTrainingCorpus(cli.data, *tokenizer);
    result = RunMixedTraining(options, base, corpus, *comm);
  });
  if (!comm->IsRoot()) {
    if (result.stop_signal != 0) throw CLI::RuntimeError(kExitCheckpointed);
    return;
  }
  const nlohmann::json summary = {
      {"checkpoint", cli.out},
      {"steps", result.steps_done},
      {"tokens_seen", result.tokens_seen},
      {"short_loss", result.short_loss},
      {"long_loss", result.long_loss},
      {"first_short_loss", result.first_short_loss},
      {"first_long_loss", result.first_long_loss},
      {"seconds", result.seconds},
      {"tokens_per_s", result.tokens_per_second},
      {"ranks", comm->Size()},
      {"stopped_by_signal", result.stop_signal},
      {"eval_needle_loss", std::isnan(result.eval_needle_loss)
                               ? nlohmann::json(nullptr)
                               : nlohmann::json(result.eval_needle_loss)}};
  if (cli.json) {
    fmt::print("{}\n", summary.dump(2));
  } else {
    fmt::print(
        "{}: step {}, {} tokens, short loss {} (first {}), long loss {} (first {}), {:.0f} "
        "tokens/s on {} rank(s), {:.1f} s\n",
        cli.out, result.steps_done, result.tokens_seen, FormatLoss(result.short_loss),
        FormatLoss(result.first_short_loss), FormatLoss(result.long_loss),
        FormatLoss(result.first_long_loss), result.tokens_per_second, comm->Size(), result.seconds);
  }
  std::fflush(stdout);
  if (result.stop_signal != 0) throw CLI::RuntimeError(kExitCheckpointed);
}

}  // namespace

void AddTrainCommand(CLI::App& app) {
  auto cli = std::make_shared<TrainCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "train",
      "Mixed context window fine-tuning (LongRoPE2): short rows on the original RoPE, long rows on "
      "the rescaled one; data-parallel under mpirun/srun. Exit 75 = checkpointed on a signal, "
      "resume with --resume");
  sub->add_option("--model", cli->model, "base model: HDF5 checkpoint or HF folder")->required();
  sub->add_option("--data", cli->data, "training text: folder of *.txt or token-shard file (.h5)")
      ->capture_default_str();
  sub->add_option("--out", cli->out, "final model, and the checkpoint the run keeps writing")
      ->required();
  sub->add_option("--factors", cli->factors,
                  "rope_scaling JSON (the --out of `ropescale search`); default: the model's own "
                  "longrope RoPE");
  sub->add_option("--metrics", cli->metrics, "JSON Lines file, one line per step");
  sub->add_option("--eval-documents", cli->eval_documents,
                  "evaluation-document file (`ropescale documents`, the model's tokenizer): its "
                  "needle documents of at most --long-len tokens are scored on the trained RoPE at "
                  "every periodic and the final checkpoint (eval_needle_loss in --metrics and the "
                  "summary)")
      ->check(CLI::ExistingFile);
  sub->add_option("--mix", cli->mix,
                  "on: short rows original RoPE, long rows rescaled; off: every row on --rope")
      ->capture_default_str();
  sub->add_option("--rope", cli->rope, "with --mix off: original|pi|ntk|yarn|factors")
      ->capture_default_str();
  sub->add_option("--short-len", cli->short_len, "L: tokens of a short row (0: the model's window)")
      ->capture_default_str();
  sub->add_option("--long-len", cli->long_len,
                  "T: tokens of a long row (0: the factors' target length, else 8 L)")
      ->capture_default_str();
  sub->add_option("--long-token-share", cli->long_token_share, "share of tokens in long rows")
      ->capture_default_str();
  sub->add_option("--global-batch-tokens", cli->global_batch_tokens,
                  "tokens per optimizer step over all ranks (independent of the rank count)")
      ->capture_default_str();
  sub->add_option("--micro-batch-tokens", cli->micro_batch_tokens,
                  "tokens per forward/backward on a rank (gradient accumulation; 0: T)")
      ->capture_default_str();
  sub->add_option("--steps", cli->steps, "optimizer steps of the whole run")->capture_default_str();
  sub->add_option("--lr", cli->lr, "peak learning rate")->capture_default_str();
  sub->add_option("--min-lr-fraction", cli->min_lr_fraction, "the cosine decays to lr times this")
      ->capture_default_str();
  sub->add_option("--warmup", cli->warmup, "linear warm-up steps")->capture_default_str();
  sub->add_option("--weight-decay", cli->weight_decay, "AdamW decoupled weight decay")
      ->capture_default_str();
  sub->add_option("--grad-clip", cli->grad_clip, "global gradient-norm clip (<= 0: none)")
      ->capture_default_str();
  sub->add_option("--beta2", cli->beta2, "AdamW beta2")->capture_default_str();
  sub->add_option("--seed", cli->seed, "seed of the data order")
      ->check(NonNegativeInteger())
      ->capture_default_str();
  sub->add_option("--passkey-fraction", cli->passkey_fraction,
                  "probability that a long row or a packed short document is a pass-key document")
      ->capture_default_str();
  sub->add_option("--answer-weight", cli->answer_weight,
                  "loss weight of the pass-key answer digits (other tokens weigh 1)")
      ->capture_default_str();
  sub->add_option("--short-doc-min", cli->short_doc_min,
                  "shortest packed document in a short row (0: L/4)")
      ->capture_default_str();
  AddNeedleFormatOptions(*sub, cli->needle);
  sub->add_option("--checkpoint-every", cli->checkpoint_every,
                  "steps between checkpoints (0: only at the end and on a signal)")
      ->capture_default_str();
  sub->add_option("--keep-checkpoints", cli->keep_checkpoints,
                  "periodic snapshots OUT.stepNNNNNNNN.h5 kept beside --out")
      ->capture_default_str();
  sub->add_option("--max-steps-this-run", cli->max_steps_this_run,
                  "stop after this many steps of this invocation, with a checkpoint (0: no limit)")
      ->capture_default_str();
  sub->add_flag("--resume", cli->resume, "continue the run whose checkpoint is at --out");
  sub->add_option("--threads", cli->threads,
                  "CPU threads per rank (0: all cores; under mpirun give cores / ranks per node)")
      ->capture_default_str();
  sub->add_option("--backend", cli->backend, "backend (cpu)")->capture_default_str();
  sub->add_option("--log-every", cli->log_every, "seconds between progress lines")
      ->capture_default_str();
  sub->add_flag("--json", cli->json, "print the summary as JSON");
  sub->add_option("--inject-nan-at-step", cli->inject_nan_at_step,
                  "testing: put a NaN into a weight before this step")
      ->group("");
  sub->callback([cli] { RunTrainCommand(*cli); });
}

}  // namespace ropescale::cli
