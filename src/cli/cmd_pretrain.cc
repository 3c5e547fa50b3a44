// `ropescale pretrain`: plain single-process CPU pretraining of a small byte-level LLaMA on a
// folder of text files (the embedded default: data/corpus/train). Progress on stderr; the final
// summary (one line, or JSON with --json) on stdout.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "io/model_tokenizer.h"
#include "io/tokenizer.h"
#include "io/tokenizer_registry.h"
#include "src/cli/commands.h"
#include "src/cli/needle_format_options.h"
#include "src/cli/option_validators.h"
#include "src/cli/training_option_checks.h"
#include "src/core/error.h"
#include "src/core/output_paths.h"
#include "src/eval/corpus.h"
#include "src/model/backend.h"
#include "src/train/pretrain.h"
#include "src/train/training_corpus.h"

namespace ropescale::cli {
namespace {

struct PretrainCliOptions {
  std::string corpus = "data/corpus/train";
  std::string tokenizer = "byte";
  std::string out = "model.h5";
  int hidden = 128;
  int layers = 4;
  int heads = 4;
  int kv_heads = 4;
  int ffn = 384;
  int context = 256;
  double rope_theta = 10000.0;
  int batch = 16;
  int64_t steps = 1000;
  double lr = 2e-3;
  double min_lr_fraction = 0.1;
  int64_t warmup = 100;
  double weight_decay = 0.1;
  double grad_clip = 1.0;
  uint64_t seed = 1;
  double passkey_fraction = 0.5;
  double answer_weight = 1.0;
  NeedleFormatOptions needle;
  int64_t checkpoint_every = 0;
  int64_t max_steps_this_run = 0;
  bool resume = false;
  int threads = 0;
  std::string backend = "cpu";
  double log_every = 10.0;
  bool json = false;
};

void RunPretrainCommand(const PretrainCliOptions& cli) {
  Check(cli.threads >= 0 && cli.threads <= kMaxBackendThreads, "--threads: {} is outside [0, {}]",
        cli.threads, kMaxBackendThreads);
  // Before any reading or training: the checkpoint's folder is writable, no input overwritten.
  CheckOutputPaths({{"--out", cli.out}},
                   {{"--corpus", cli.corpus}, {"--tokenizer", cli.tokenizer}});
  PretrainOptions options;
  options.model = MakeTinyModelConfig(cli.hidden, cli.layers, cli.heads, cli.kv_heads, cli.ffn,
                                      cli.context, cli.rope_theta);
  // The model's vocabulary is its tokenizer's; the checkpoint carries the tokenizer file.
  options.tokenizer = TokenizerFileFromSpec(cli.tokenizer);
  const std::unique_ptr<Tokenizer> tokenizer =
      options.tokenizer ? OpenTokenizer(cli.tokenizer) : std::make_unique<ByteTokenizer>();
  options.model.vocab_size = tokenizer->VocabSize();
  options.data.context = cli.context;
  options.data.batch_size = cli.batch;
  options.data.seed = cli.seed;
  options.data.passkey_fraction = cli.passkey_fraction;
  options.data.answer_weight = cli.answer_weight;
  options.data.needle_formats = NeedleFormatsFrom(cli.needle);
  options.schedule.peak = cli.lr;
  options.schedule.min_fraction = cli.min_lr_fraction;
  options.schedule.warmup_steps = cli.warmup;
  options.schedule.total_steps = cli.steps;
  options.adamw.weight_decay = cli.weight_decay;
  options.adamw.grad_clip = cli.grad_clip;
  CheckTrainingOptions(options.schedule, options.adamw);
  options.backend.name = cli.backend;
  options.backend.num_threads = cli.threads;
  options.out_path = cli.out;
  options.checkpoint_every = cli.checkpoint_every;
  options.max_steps_this_run = cli.max_steps_this_run;
  options.resume = cli.resume;
  options.log_every_seconds = cli.log_every;

  const Corpus corpus = LoadTrainingCorpus(cli.corpus, *tokenizer);
  const PretrainResult result = RunPretraining(options, corpus);
  if (cli.json) {
    nlohmann::json out = {{"checkpoint", cli.out},
                          {"steps", result.steps_done},
                          {"tokens_seen", result.tokens_seen},
                          {"last_loss", result.last_loss},
                          {"recent_loss", result.recent_loss},
                          {"seconds", result.seconds}};
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print(
        "{}: step {}, {} tokens seen, loss {:.4f} (mean of the last steps {:.4f}), {:.1f} s\n",
        cli.out, result.steps_done, result.tokens_seen, result.last_loss, result.recent_loss,
        result.seconds);
  }
}

}  // namespace

void AddPretrainCommand(CLI::App& app) {
  auto cli = std::make_shared<PretrainCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "pretrain",
      "Pretrain a small LLaMA (byte-level, or in a given tokenizer) on a folder of *.txt files "
      "or token shards (CPU, one process)");
  sub->add_option("--corpus", cli->corpus,
                  "folder of training *.txt documents, or a token-shard file (`ropescale "
                  "tokenize`, in the same tokenizer)")
      ->capture_default_str();
  sub->add_option("--tokenizer", cli->tokenizer,
                  "byte, or a folder holding tokenizer.json / tokenizer.model (or such a file): "
                  "the model's vocabulary is the tokenizer's and its checkpoint carries the file")
      ->capture_default_str();
  sub->add_option("--out", cli->out, "checkpoint (HDF5) written periodically and at the end")
      ->capture_default_str();
  sub->add_option("--hidden", cli->hidden, "hidden size")->capture_default_str();
  sub->add_option("--layers", cli->layers, "decoder layers")->capture_default_str();
  sub->add_option("--heads", cli->heads, "attention heads")->capture_default_str();
  sub->add_option("--kv-heads", cli->kv_heads, "key/value heads (GQA)")->capture_default_str();
  sub->add_option("--ffn", cli->ffn, "MLP intermediate size")->capture_default_str();
  sub->add_option("--context", cli->context, "training context T (tokens per row)")
      ->capture_default_str();
  sub->add_option("--rope-theta", cli->rope_theta, "RoPE base")->capture_default_str();
  sub->add_option("--batch", cli->batch, "rows per step")->capture_default_str();
  sub->add_option("--steps", cli->steps, "optimizer steps of the whole run")->capture_default_str();
  sub->add_option("--lr", cli->lr, "peak learning rate")->capture_default_str();
  sub->add_option("--min-lr-fraction", cli->min_lr_fraction, "the cosine decays to lr times this")
      ->capture_default_str();
  sub->add_option("--warmup", cli->warmup, "linear warm-up steps")->capture_default_str();
  sub->add_option("--weight-decay", cli->weight_decay, "AdamW decoupled weight decay")
      ->capture_default_str();
  sub->add_option("--grad-clip", cli->grad_clip, "global gradient-norm clip (<= 0: none)")
      ->capture_default_str();
  sub->add_option("--seed", cli->seed, "seed of the initial weights and of the data order")
      ->check(NonNegativeInteger())
      ->capture_default_str();
  sub->add_option("--passkey-fraction", cli->passkey_fraction,
                  "fraction of rows that are pass-key documents (in-window retrieval)")
      ->capture_default_str();
  sub->add_option("--answer-weight", cli->answer_weight,
                  "loss weight of the answer digits in pass-key rows (others weigh 1)")
      ->capture_default_str();
  AddNeedleFormatOptions(*sub, cli->needle);
  sub->add_option("--checkpoint-every", cli->checkpoint_every,
                  "steps between checkpoints (0: only at the end)")
      ->capture_default_str();
  sub->add_option("--max-steps-this-run", cli->max_steps_this_run,
                  "stop after this many steps of this invocation, with a checkpoint (0: no limit)")
      ->capture_default_str();
  sub->add_flag("--resume", cli->resume, "continue from the checkpoint at --out");
  sub->add_option("--threads", cli->threads, "CPU threads (0: all)")->capture_default_str();
  sub->add_option("--backend", cli->backend, "cpu or cuda")->capture_default_str();
  sub->add_option("--log-every", cli->log_every, "seconds between progress lines")
      ->capture_default_str();
  sub->add_flag("--json", cli->json, "print the summary as JSON");
  sub->callback([cli] { RunPretrainCommand(*cli); });
}

}  // namespace ropescale::cli
