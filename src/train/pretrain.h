#pragma once
// The plain single-process CPU pretraining loop of the embedded tiny model: random windows (and
// pass-key documents) from a training corpus, AdamW through Backend::OptimizerStep, warm-up +
// cosine learning rate, periodic atomic checkpoints holding the full training state, exact
// resume (a resumed run ends with bit-identical weights to an uninterrupted one).
#include <cstdint>
#include <optional>
#include <string>

#include "io/checkpoint.h"
#include "src/eval/corpus.h"
#include "src/model/backend.h"
#include "src/model/model_config.h"
#include "src/train/lr_schedule.h"
#include "src/train/pretrain_batch.h"

namespace ropescale {

struct PretrainOptions {
  ModelConfig model;  // see MakeTinyModelConfig
  // The tokenizer the model reads, carried in its checkpoints; absent = the byte tokenizer.
  std::optional<TokenizerFile> tokenizer;
  PretrainData data;    // context, batch, seed, pass-key mix
  LrSchedule schedule;  // total_steps = number of optimizer steps of the whole run
  AdamWConfig adamw;
  BackendOptions backend;
  std::string out_path = "model.h5";  // final and periodic checkpoints (overwritten atomically)
  int64_t checkpoint_every = 0;       // steps between checkpoints; 0 = only at the end
  bool resume = false;                // continue from the checkpoint at out_path
  double log_every_seconds = 10.0;    // progress line on stderr at most this often
  // Stop (with a checkpoint) after this many steps of this invocation; 0 = run to the end.
  // Used by tests and by jobs that must fit a wall-time limit.
  int64_t max_steps_this_run = 0;
};

struct PretrainResult {
  int64_t steps_done = 0;    // optimizer steps in the checkpoint (all invocations)
  int64_t tokens_seen = 0;   // tokens (B * T per step) in all invocations
  double last_loss = 0.0;    // mean training loss of the last step
  double recent_loss = 0.0;  // mean training loss over the last (up to) 100 steps of this run
  double seconds = 0.0;      // wall time of this invocation
};

// A byte-level (vocab 256) LLaMA shape with the default RoPE: head_dim = hidden / heads,
// max_position_embeddings = context, rope_theta = base.
ModelConfig MakeTinyModelConfig(int hidden, int layers, int heads, int kv_heads, int ffn,
                                int context, double base = 10000.0);

// Runs (or resumes) pretraining on `corpus`. Writes out_path every checkpoint_every steps and at
// the end; on SIGINT/SIGTERM/SIGUSR1 writes a checkpoint after the current step and throws Error
// saying so. A non-finite loss or gradient norm throws Error naming the step, writing nothing.
PretrainResult RunPretraining(const PretrainOptions& options, const Corpus& corpus);

}  // namespace ropescale
