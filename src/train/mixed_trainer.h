#pragma once
// The mixed context window trainer (LongRoPE2): every optimizer step holds short rows on the
// original-window RoPE and long rows on the rescaled RoPE (src/train/mixed_rows.h), data-parallel
// over the ranks of a Communicator (each rank trains its share of the global batch; gradients are
// all-reduced in place in the backend's flat buffer, so the step is the same on every rank),
// AdamW with warm-up + cosine, gradient clipping on the global norm, micro-batches (gradient
// accumulation), periodic atomic checkpoints holding the whole training state, exact resume,
// checkpoint-and-stop on SIGINT/SIGTERM/SIGUSR1, and a stop with an Error naming the step on a
// non-finite loss or gradient (the last good checkpoint is left as it was).
#include <cstdint>
#include <limits>
#include <string>

#include "io/checkpoint.h"
#include "src/dist/communicator.h"
#include "src/eval/corpus.h"
#include "src/eval/evaluation_documents.h"
#include "src/model/backend.h"
#include "src/train/lr_schedule.h"
#include "src/train/mixed_rows.h"

namespace ropescale {

struct MixedTrainOptions {
  MixedDataOptions data;
  // The RoPE every row is trained on (ResolveTrainingRope); it is also the final checkpoint's.
  RopeSpec rope;
  bool mixed = true;    // false: a single-RoPE baseline (recorded in the run identity)
  LrSchedule schedule;  // total_steps = optimizer steps of the whole run
  AdamWConfig adamw;
  BackendOptions backend;
  std::string out_path;          // final model and the checkpoint the run keeps writing
  std::string metrics_path;      // JSON Lines, one per step; empty = none
  int64_t checkpoint_every = 0;  // steps; 0 = only at the end (and on a stop signal)
  int keep_checkpoints = 2;      // periodic snapshots kept next to out_path
  bool resume = false;           // continue the run whose checkpoint is at out_path
  // Tokens per forward/backward call on a rank (rows of one kind per micro-batch =
  // max(1, micro_batch_tokens / row length)); 0 = long_len.
  int64_t micro_batch_tokens = 0;
  int64_t max_steps_this_run = 0;  // stop with a checkpoint after this many steps; 0 = no limit
  double log_every_seconds = 10.0;
  int64_t inject_nan_at_step = -1;  // tests: a NaN weight before this step's forward
  // Needle documents (e.g. of an evaluation-document file) scored on the trained RoPE whenever a
  // periodic or final checkpoint is written: the needle loss goes to the metrics and the result.
  std::vector<EvaluationDocument> eval_documents;
};

struct MixedTrainResult {
  int64_t steps_done = 0;   // optimizer steps in the checkpoint (all invocations)
  int64_t tokens_seen = 0;  // all invocations
  double short_loss = 0.0;  // mean over the last (up to) 20 steps of this invocation
  double long_loss = 0.0;
  double first_short_loss = 0.0;  // first step of this invocation
  double first_long_loss = 0.0;
  double seconds = 0.0;
  double tokens_per_second = 0.0;
  int stop_signal = 0;  // non-zero: stopped on this signal after checkpointing
  // The needle loss on options.eval_documents at the last scoring (NaN when none were given).
  double eval_needle_loss = std::numeric_limits<double>::quiet_NaN();
};

// Trains `base` (weights and config; its RoPE is replaced by options.rope) on `corpus`, or resumes
// from the checkpoint at out_path. Collective over `comm`. Only rank 0 writes files.
MixedTrainResult RunMixedTraining(const MixedTrainOptions& options, const Checkpoint& base,
                                  const Corpus& corpus, dist::Communicator& comm);

}  // namespace ropescale
