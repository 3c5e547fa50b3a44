#include "src/train/pretrain.h"

#include <bit>
#include <chrono>
#include <cmath>
#include <csignal>
#include <deque>
#include <filesystem>
#include <numeric>

#include "io/checkpoint.h"
#include "io/model_tokenizer.h"
#include "io/tokenizer.h"
#include "src/core/error.h"
#include "src/core/log.h"
#include "src/model/init_parameters.h"
#include "src/train/checkpoint_series.h"
#include "src/train/divergence.h"
#include "src/train/progress_text.h"
#include "src/train/stop_signal.h"

namespace ropescale {
namespace {

// The trainer's identity in TrainingState::rng_state: what a resume must match.
enum RngStateSlot { kSeed, kBatch, kContext, kPasskeyFraction, kAnswerWeight, kTotalSteps, kSlots };

std::vector<uint64_t> EncodeRunIdentity(const PretrainOptions& options) {
  std::vector<uint64_t> state(kSlots);
  state[kSeed] = options.data.seed;
  state[kBatch] = static_cast<uint64_t>(options.data.batch_size);
  state[kContext] = static_cast<uint64_t>(options.data.context);
  state[kPasskeyFraction] = std::bit_cast<uint64_t>(options.data.passkey_fraction);
  state[kAnswerWeight] = std::bit_cast<uint64_t>(options.data.answer_weight);
  state[kTotalSteps] = static_cast<uint64_t>(options.schedule.total_steps);
  return state;
}

void CheckResumeMatches(const std::string& path, const std::vector<uint64_t>& stored,
                        const PretrainOptions& options) {
  Check(stored.size() == kSlots, "{}: training/rng_state has {} entries, expected {}", path,
        stored.size(), static_cast<int>(kSlots));
  const std::vector<uint64_t> wanted = EncodeRunIdentity(options);
  const char* names[] = {"--seed", "--batch", "--context", "--passkey-fraction", "--answer-weight"};
  for (int slot = kSeed; slot < kTotalSteps; ++slot) {
    Check(stored[slot] == wanted[slot],
          "{}: cannot resume with a different {} than the checkpoint was trained with", path,
          names[slot]);
  }
  if (stored[kTotalSteps] != wanted[kTotalSteps]) {
    spdlog::warn(
        "resuming with --steps {} where the run began with {}: the learning-rate "
        "schedule changes from here on",
        options.schedule.total_steps, stored[kTotalSteps]);
  }
}

}  // namespace

ModelConfig MakeTinyModelConfig(int hidden, int layers, int heads, int kv_heads, int ffn,
                                int context, double base) {
  Check(heads > 0 && hidden % heads == 0, "model: --hidden {} is not a multiple of --heads {}",
        hidden, heads);
  ModelConfig config;
  config.vocab_size = 256;
  config.hidden_size = hidden;
  config.intermediate_size = ffn;
  config.num_layers = layers;
  config.num_heads = heads;
  config.num_kv_heads = kv_heads;
  config.head_dim = hidden / heads;
  config.rope.kind = RopeKind::kDefault;
  config.rope.base = base;
  config.rope.head_dim = config.head_dim;
  config.rope.max_position_embeddings = context;
  ValidateModelConfig(config);
  return config;
}

PretrainResult RunPretraining(const PretrainOptions& options_in, const Corpus& corpus) {
  PretrainOptions options = options_in;
  const std::unique_ptr<Tokenizer> tokenizer_owner =
      ModelTokenizer(options.tokenizer, options.model.vocab_size, options.out_path);
  const Tokenizer& tokenizer = *tokenizer_owner;
  Check(options.schedule.total_steps > 0, "pretrain: --steps must be positive");
  Check(options.data.passkey_fraction >= 0.0 && options.data.passkey_fraction <= 1.0,
        "pretrain: --passkey-fraction {} not in [0, 1]", options.data.passkey_fraction);

  TrainingState state;
  ParameterSet weights;
  if (options.resume) {
    Checkpoint checkpoint = ReadResumeCheckpoint(options.out_path);
    if (!(checkpoint.config == options.model)) {
      spdlog::info("resume: using the model shape stored in {}", options.out_path);
      options.model = checkpoint.config;
    }
    Check(checkpoint.tokenizer == options.tokenizer,
          "{}: the checkpoint's tokenizer is not this run's --tokenizer", options.out_path);
    state = std::move(*checkpoint.training);
    CheckResumeMatches(options.out_path, state.rng_state, options);
    weights = std::move(checkpoint.weights);
    spdlog::info("resume: {} at step {} ({} tokens seen)", options.out_path, state.data_cursor,
                 state.tokens_seen);
  } else {
    weights = InitParameters(options.model, options.data.seed);
  }
  Check(options.model.rope.max_position_embeddings >= options.data.context,
        "pretrain: --context {} exceeds the model's max_position_embeddings {}",
        options.data.context, options.model.rope.max_position_embeddings);
  state.rng_state = EncodeRunIdentity(options);

  std::unique_ptr<Backend> backend = CreateBackend(options.model, options.backend);
  backend->SetParameters(weights);
  weights.clear();
  if (options.resume) backend->SetOptimizerState(state.optimizer);

  auto write_checkpoint = [&](int64_t next_step) {
    Checkpoint checkpoint;
    checkpoint.config = options.model;
    checkpoint.tokenizer = options.tokenizer;
    Check(backend->AllFinite(),
          "pretrain: step {}: a weight or optimizer moment is not finite (diverged); no "
          "checkpoint written; the last good one (if any) is {}",
          next_step, options.out_path);
    checkpoint.weights = backend->GetParameters();
    state.optimizer = backend->GetOptimizerState();
    state.data_cursor = next_step;
    checkpoint.training = state;
    checkpoint.provenance = CurrentProvenance();
    WriteCheckpoint(options.out_path, checkpoint);
    spdlog::info("checkpoint: {} at step {}", options.out_path, next_step);
  };

  const int64_t total = options.schedule.total_steps;
  const int64_t first = state.data_cursor;
  int64_t last = total;
  if (options.max_steps_this_run > 0) last = std::min(total, first + options.max_steps_this_run);
  const int64_t tokens_per_step =
      static_cast<int64_t>(options.data.batch_size) * options.data.context;
  spdlog::info(
      "pretrain: {} parameters, {} documents ({} tokens), steps {}..{} of {}, {} tokens "
      "a step, backend {}",
      ParameterCount(options.model), corpus.documents.size(), corpus.TotalTokens(), first, last,
      total, tokens_per_step, backend->Name());

  using Clock = std::chrono::steady_clock;
  const auto start_time = Clock::now();
  auto last_log_time = start_time;
  double loss_since_log = 0.0;
  int64_t steps_since_log = 0;
  std::deque<double> recent;
  PretrainResult result;
  StopSignalGuard signal_guard;
  ForwardOptions forward_options;
  forward_options.keep_activations = true;

  for (int64_t step = first; step < last; ++step) {
    const Batch batch =
        MakePretrainBatch(corpus, options.data, step, tokenizer, options.model.rope);
    backend->ZeroGradients();
    const ForwardOutput out = backend->Forward(batch, forward_options);
    const double loss = out.loss.Mean();
    CheckNotDiverged("pretrain", step, "training loss", loss, options.out_path);
    backend->Backward(out.loss.weight);
    const double lr = LearningRate(options.schedule, step);
    const double grad_norm = backend->OptimizerStep(options.adamw, lr);
    CheckNotDiverged("pretrain", step, "gradient norm", grad_norm, options.out_path);
    state.tokens_seen += tokens_per_step;
    result.last_loss = loss;
    recent.push_back(loss);
    if (recent.size() > 100) recent.pop_front();
    loss_since_log += loss;
    ++steps_since_log;

    const auto now = Clock::now();
    const double since_log = std::chrono::duration<double>(now - last_log_time).count();
    if (since_log >= options.log_every_seconds || step + 1 == last) {
      const double elapsed = std::chrono::duration<double>(now - start_time).count();
      const double steps_per_second = (step + 1 - first) / std::max(elapsed, 1e-9);
      spdlog::info("step {}/{} loss {:.4f} lr {:.3g} |g| {:.3f} {:.0f} tok/s ETA {}", step + 1,
                   total, loss_since_log / steps_since_log, lr, grad_norm,
                   steps_per_second * tokens_per_step,
                   FormatDuration((last - step - 1) / steps_per_second));
      last_log_time = now;
      loss_since_log = 0.0;
      steps_since_log = 0;
    }
    const bool stop = StopSignalGuard::Received() != 0;
    const bool periodic =
        options.checkpoint_every > 0 && (step + 1) % options.checkpoint_every == 0;
    if (stop || periodic || step + 1 == last) write_checkpoint(step + 1);
    if (stop) {
      Fail(
          "pretrain: stopped by signal {} after step {}; checkpoint {} written, --resume "
          "continues",
          StopSignalGuard::Received(), step + 1, options.out_path);
    }
  }
  if (first >= last) spdlog::warn("pretrain: nothing to do (checkpoint at step {})", first);

  result.steps_done = std::max(first, last);
  result.tokens_seen = state.tokens_seen;
  result.recent_loss =
      recent.empty() ? 0.0 : std::accumulate(recent.begin(), recent.end(), 0.0) / recent.size();
  result.seconds = std::chrono::duration<double>(Clock::now() - start_time).count();
  return result;
}

}  // namespace ropescale
