#include "src/train/mixed_trainer.h"

#include <spdlog/spdlog.h>

#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <limits>
#include <numeric>

#include "io/model_tokenizer.h"
#include "io/tokenizer.h"
#include "src/core/error.h"
#include "src/eval/distributed_scoring.h"
#include "src/eval/perplexity.h"
#include "src/train/checkpoint_series.h"
#include "src/train/divergence.h"
#include "src/train/metrics_log.h"
#include "src/train/progress_text.h"
#include "src/train/stop_signal.h"

namespace ropescale {
namespace {

// The run's identity in TrainingState::rng_state: what a resume must match. (The data need no
// RNG state of their own: row g of step s is a pure function of the seed, s and g.) The slots
// before kRefusedEnd must match (they decide which rows a step holds); the others may change
// with a warning (they change the schedule or the optimizer from the resume on). The RoPE is
// compared with the checkpoint's own /rope.
enum IdentitySlot {
  kSeed,
  kShortLen,
  kLongLen,
  kShare,
  kGlobalTokens,
  kPasskeyFraction,
  kAnswerWeight,
  kShortDocMin,
  kDigits,
  kMixed,
  kDataDocuments,
  kDataTokens,
  kRefusedEnd,
  kTotalSteps = kRefusedEnd,
  kPeakLr,
  kWarmup,
  kMinFraction,
  kWeightDecay,
  kGradClip,
  kBeta1,
  kBeta2,
  kIdentitySlots
};
constexpr std::array<const char*, kIdentitySlots> kIdentityNames = {
    "seed",
    "short_len",
    "long_len",
    "long_token_share",
    "global_batch_tokens",
    "passkey_fraction",
    "answer_weight",
    "short_doc_min",
    "needle formats",
    "mix",
    "training data (document count)",
    "training data (token count)",
    "steps",
    "peak lr",
    "warmup steps",
    "min lr fraction",
    "weight decay",
    "gradient clip",
    "beta1",
    "beta2"};

// The digits alone for the one default-kind format (what runs before the other formats existed
// recorded), else a hash of every format's fields.
uint64_t NeedleFormatsIdentity(const std::vector<NeedleFormat>& formats) {
  if (formats.size() == 1 && formats[0].kind == NeedleKind::kPasskey) {
    return static_cast<uint64_t>(formats[0].digits);
  }
  std::vector<uint64_t> fields;
  for (const NeedleFormat& f : formats) {
    fields.insert(fields.end(), {static_cast<uint64_t>(f.kind), static_cast<uint64_t>(f.digits),
                                 static_cast<uint64_t>(f.pairs)});
  }
  return StreamId(fields);
}

std::vector<uint64_t> RunIdentity(const MixedTrainOptions& o, const Corpus& corpus) {
  std::vector<uint64_t> id(kIdentitySlots);
  id[kSeed] = o.data.seed;
  id[kShortLen] = static_cast<uint64_t>(o.data.short_len);
  id[kLongLen] = static_cast<uint64_t>(o.data.long_len);
  id[kShare] = std::bit_cast<uint64_t>(o.data.long_token_share);
  id[kGlobalTokens] = static_cast<uint64_t>(o.data.global_batch_tokens);
  id[kPasskeyFraction] = std::bit_cast<uint64_t>(o.data.passkey_fraction);
  id[kAnswerWeight] = std::bit_cast<uint64_t>(o.data.answer_weight);
  id[kShortDocMin] = static_cast<uint64_t>(o.data.short_doc_min);
  id[kDigits] = NeedleFormatsIdentity(o.data.needle_formats);
  id[kMixed] = o.mixed ? 1 : 0;
  id[kDataDocuments] = corpus.documents.size();
  id[kDataTokens] = static_cast<uint64_t>(corpus.TotalTokens());
  id[kTotalSteps] = static_cast<uint64_t>(o.schedule.total_steps);
  id[kPeakLr] = std::bit_cast<uint64_t>(o.schedule.peak);
  id[kWarmup] = static_cast<uint64_t>(o.schedule.warmup_steps);
  id[kMinFraction] = std::bit_cast<uint64_t>(o.schedule.min_fraction);
  id[kWeightDecay] = std::bit_cast<uint64_t>(o.adamw.weight_decay);
  id[kGradClip] = std::bit_cast<uint64_t>(o.adamw.grad_clip);
  id[kBeta1] = std::bit_cast<uint64_t>(o.adamw.beta1);
  id[kBeta2] = std::bit_cast<uint64_t>(o.adamw.beta2);
  return id;
}

void CheckResumeIdentity(const std::string& path, const std::vector<uint64_t>& stored,
                         const std::vector<uint64_t>& wanted, bool root) {
  Check(stored.size() == kIdentitySlots,
        "{}: /training/rng_state has {} entries, expected {} (not a checkpoint of `ropescale "
        "train`)",
        path, stored.size(), static_cast<int>(kIdentitySlots));
  for (int slot = 0; slot < kRefusedEnd; ++slot) {
    Check(stored[slot] == wanted[slot],
          "{}: cannot resume with a different {} than the checkpoint was trained with", path,
          kIdentityNames[slot]);
  }
  for (int slot = kRefusedEnd; slot < kIdentitySlots; ++slot) {
    if (stored[slot] != wanted[slot] && root) {
      spdlog::warn(
          "resume: {} differs from the run's start: the schedule or the optimizer "
          "changes from here on",
          kIdentityNames[slot]);
    }
  }
}

// Per-kind loss sums of one step, reduced over ranks in one call with the stop flag.
enum StatSlot { kShortLoss, kShortWeight, kLongLoss, kLongWeight, kStop, kStats };

double MeanOrNan(double loss, double weight) {
  return weight > 0.0 ? loss / weight : std::numeric_limits<double>::quiet_NaN();
}

nlohmann::json NumberOrNull(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

MixedTrainResult RunMixedTraining(const MixedTrainOptions& options_in, const Checkpoint& base,
                                  const Corpus& corpus, dist::Communicator& comm) {
  MixedTrainOptions options = options_in;
  const StepLayout layout = ComputeStepLayout(options.data);
  Check(options.schedule.total_steps > 0, "train: steps must be positive");
  Check(options.keep_checkpoints >= 0, "train: keep_checkpoints must be >= 0");
  const bool root = comm.IsRoot();
  const std::unique_ptr<Tokenizer> tokenizer_owner = ModelTokenizer(base, options.out_path);
  const Tokenizer& tokenizer = *tokenizer_owner;

  ModelConfig config = base.config;
  config.rope = options.rope;
  ValidateRopeSpec(config.rope);

  const std::vector<uint64_t> identity = RunIdentity(options, corpus);
  TrainingState state;
  ParameterSet weights;
  if (options.resume) {
    Checkpoint checkpoint = ReadResumeCheckpoint(options.out_path);
    Check(checkpoint.config.rope == options.rope,
          "{}: the checkpoint's RoPE differs from the one this run would train on (other factors "
          "or mix)",
          options.out_path);
    Check(checkpoint.config == config,
          "{}: the checkpoint's model shape differs from the base model's", options.out_path);
    state = std::move(*checkpoint.training);
    CheckResumeIdentity(options.out_path, state.rng_state, identity, root);
    weights = std::move(checkpoint.weights);
    if (root) {
      spdlog::info("resume: {} at step {} ({} tokens seen)", options.out_path, state.data_cursor,
                   state.tokens_seen);
    }
  } else {
    weights = base.weights;
  }
  state.rng_state = identity;

  std::unique_ptr<Backend> backend = CreateBackend(config, options.backend);
  backend->SetParameters(weights);
  weights.clear();
  if (options.resume) backend->SetOptimizerState(state.optimizer);
  const RowSource source(corpus, options.data, layout, tokenizer);
  std::optional<MetricsLog> metrics;
  if (root) metrics.emplace(options.metrics_path, options.resume ? state.data_cursor : -1);

  auto write_checkpoint = [&](int64_t next_step, bool snapshot) {
    if (!root) return;
    Check(backend->AllFinite(),
          "train: step {}: the weights hold NaN or Inf (diverged); no checkpoint written; the "
          "last good one (if any) is {}",
          next_step, options.out_path);
    Checkpoint checkpoint;
    checkpoint.config = config;
    checkpoint.tokenizer = base.tokenizer;
    checkpoint.weights = backend->GetParameters();
    checkpoint.weight_dtypes = base.weight_dtypes;
    state.optimizer = backend->GetOptimizerState();
    state.data_cursor = next_step;
    checkpoint.training = state;
    checkpoint.provenance = CurrentProvenance();
    WriteTrainingCheckpoint(options.out_path, checkpoint, next_step,
                            snapshot ? options.keep_checkpoints : 0);
    spdlog::info("checkpoint: {} at step {}", options.out_path, next_step);
  };

  const int64_t total = options.schedule.total_steps;
  const int64_t first = state.data_cursor;
  int64_t last = total;
  if (options.max_steps_this_run > 0) last = std::min(total, first + options.max_steps_this_run);
  const int64_t tokens_per_step = static_cast<int64_t>(layout.long_rows) * options.data.long_len +
                                  static_cast<int64_t>(layout.short_rows) * options.data.short_len;
  const int64_t micro_tokens =
      options.micro_batch_tokens > 0 ? options.micro_batch_tokens : options.data.long_len;
  const std::vector<int> my_long = RowsOfRank(layout, RowKind::kLong, comm.Rank(), comm.Size());
  const std::vector<int> my_short = RowsOfRank(layout, RowKind::kShort, comm.Rank(), comm.Size());
  if (root) {
    spdlog::info(
        "train: {} rows a step ({} long x {} + {} short x {} = {} tokens), {} rank(s), steps "
        "{}..{} of {}, RoPE {}{}, backend {}",
        layout.total(), layout.long_rows, options.data.long_len, layout.short_rows,
        options.data.short_len, tokens_per_step, comm.Size(), first, last, total,
        RopeKindName(options.rope.kind), options.mixed ? " (mixed short/long)" : " (every row)",
        backend->Name());
  }

  using Clock = std::chrono::steady_clock;
  const auto start_time = Clock::now();
  auto last_log_time = start_time;
  std::deque<std::array<double, 2>> recent;
  MixedTrainResult result;
  StopSignalGuard signal_guard;
  ForwardOptions forward_options;
  forward_options.keep_activations = true;

  for (int64_t step = first; step < last; ++step) {
    if (step == options.inject_nan_at_step) {
      ParameterSet params = backend->GetParameters();
      params.begin()->second.data[0] = std::numeric_limits<float>::quiet_NaN();
      backend->SetParameters(params);
    }
    // This rank's rows (long, then short), and the weight of the whole global batch.
    std::vector<TrainingRow> rows;
    rows.reserve(my_long.size() + my_short.size());
    for (int row : my_long) rows.push_back(source.Row(step, row));
    for (int row : my_short) rows.push_back(source.Row(step, row));
    double global_weight = 0.0;
    for (const TrainingRow& row : rows) global_weight += row.Weight();
    global_weight = comm.AllReduceSum(global_weight);
    Check(global_weight > 0.0, "train: step {}: the global batch has no token to learn from", step);

    backend->ZeroGradients();
    std::array<double, kStats> stats{};
    size_t index = 0;
    while (index < rows.size()) {
      const RowKind kind = rows[index].kind;
      const int64_t length =
          kind == RowKind::kLong ? options.data.long_len : options.data.short_len;
      const size_t per_batch = static_cast<size_t>(std::max<int64_t>(1, micro_tokens / length));
      std::vector<const TrainingRow*> micro;
      while (index < rows.size() && rows[index].kind == kind && micro.size() < per_batch) {
        micro.push_back(&rows[index++]);
      }
      const ForwardOutput out = backend->Forward(RowsToBatch(micro, options.rope), forward_options);
      backend->Backward(global_weight);
      const int slot = kind == RowKind::kLong ? kLongLoss : kShortLoss;
      stats[slot] += out.loss.weighted_loss;
      stats[slot + 1] += out.loss.weight;
    }
    if (comm.Size() > 1) comm.AllReduceSum(backend->GradientBuffer());
    stats[kStop] = StopSignalGuard::Received() != 0 ? 1.0 : 0.0;
    comm.AllReduceSum(std::span<double>(stats));

    const double loss =
        (stats[kShortLoss] + stats[kLongLoss]) / (stats[kShortWeight] + stats[kLongWeight]);
    CheckNotDiverged("train", step, "training loss", loss, options.out_path);
    const double lr = LearningRate(options.schedule, step);
    const double grad_norm = backend->OptimizerStep(options.adamw, lr);
    CheckNotDiverged("train", step, "gradient norm", grad_norm, options.out_path);
    state.tokens_seen += tokens_per_step;

    const double short_loss = MeanOrNan(stats[kShortLoss], stats[kShortWeight]);
    const double long_loss = MeanOrNan(stats[kLongLoss], stats[kLongWeight]);
    if (step == first) {
      result.first_short_loss = short_loss;
      result.first_long_loss = long_loss;
    }
    recent.push_back({short_loss, long_loss});
    if (recent.size() > 20) recent.pop_front();

    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_time).count();
    const double steps_per_second = (step + 1 - first) / std::max(elapsed, 1e-9);
    const double tokens_per_second = steps_per_second * tokens_per_step;
    if (root) {
      metrics->Append({{"step", step + 1},
                       {"loss", loss},
                       {"short_loss", NumberOrNull(short_loss)},
                       {"long_loss", NumberOrNull(long_loss)},
                       {"lr", lr},
                       {"grad_norm", grad_norm},
                       {"tokens", state.tokens_seen},
                       {"tokens_per_s", tokens_per_second},
                       {"elapsed_s", elapsed}});
      const double since_log = std::chrono::duration<double>(now - last_log_time).count();
      if (since_log >= options.log_every_seconds || step + 1 == last || step == first) {
        spdlog::info("step {}/{} short {} long {} lr {:.3g} |g| {:.3f} {:.0f} tok/s ETA {}",
                     step + 1, total, FormatLoss(short_loss), FormatLoss(long_loss), lr, grad_norm,
                     tokens_per_second, FormatDuration((last - step - 1) / steps_per_second));
        last_log_time = now;
      }
    }
    const bool stop = stats[kStop] > 0.0;
    const bool periodic =
        options.checkpoint_every > 0 && (step + 1) % options.checkpoint_every == 0;
    if (stop || periodic || step + 1 == last) write_checkpoint(step + 1, periodic);
    if (!options.eval_documents.empty() && !stop && (periodic || step + 1 == last)) {
      // Every rank scores (collective); only the scores depend on the weights, not training.
      const ScoringCell cell{&options.eval_documents, config.rope, CellMetric::kLoss};
      const std::vector<CellScores> scores = ScoreCells(comm, *backend, {&cell, 1}, 1);
      result.eval_needle_loss = SumInOrder(scores.front().losses).Mean();
      if (root) {
        metrics->Append({{"step", step + 1},
                         {"eval_needle_loss", result.eval_needle_loss},
                         {"eval_documents", options.eval_documents.size()}});
        spdlog::info("step {}: needle loss {:.4f} on {} evaluation documents", step + 1,
                     result.eval_needle_loss, options.eval_documents.size());
      }
    }
    if (stop) {
      result.stop_signal = StopSignalGuard::Received() != 0 ? StopSignalGuard::Received() : SIGTERM;
      if (root) {
        spdlog::warn(
            "train: stop signal after step {}: checkpoint {} written; resume with the "
            "same command and --resume",
            step + 1, options.out_path);
      }
      last = step + 1;
      break;
    }
  }
  if (first >= last && root) spdlog::warn("train: nothing to do (checkpoint at step {})", first);

  result.steps_done = std::max(first, last);
  result.tokens_seen = state.tokens_seen;
  for (const auto& [s, l] : recent) {
    result.short_loss += s / recent.size();
    result.long_loss += l / recent.size();
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start_time).count();
  result.tokens_per_second =
      result.seconds > 0 && last > first ? (last - first) * tokens_per_step / result.seconds : 0.0;
  return result;
}

}  // namespace ropescale
