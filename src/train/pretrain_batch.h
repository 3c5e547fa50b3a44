#pragma once
// What one pretraining step sees: B rows of T tokens drawn from the training corpus. Row r of
// step s is a pure function of (corpus, seed, s, r), so a resumed run sees exactly the batches
// an uninterrupted one would. A fraction of the rows are pass-key documents (see
// src/eval/needle_document.h) so the model learns in-window retrieval.
#include <cstdint>
#include <vector>

#include "io/tokenizer.h"
#include "src/eval/corpus.h"
#include "src/eval/needle_document.h"
#include "src/model/batch.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

struct PretrainData {
  int context = 256;    // T: tokens per row
  int batch_size = 16;  // B: rows per step
  uint64_t seed = 1;
  double passkey_fraction = 0.5;  // probability that a row is a pass-key document
  double answer_weight = 1.0;     // loss weight of the answer tokens of pass-key rows
  // A pass-key row is a needle document of one of these formats (PickNeedleFormat).
  std::vector<NeedleFormat> needle_formats = {NeedleFormat{}};
};

// Row r of step s draws from CounterRng(seed, StreamId({kPretrainStreamTag, s, r})): first
// Uniform() < passkey_fraction decides the kind, then Below(total tokens) picks a document with
// probability proportional to its length; a plain row is T + 1 consecutive tokens at a start
// drawn with Below(|doc| - T), a pass-key row a needle document of T + 1 tokens
// (PickNeedleFormat, then MakeNeedleDocument with the same rng). Row tokens are the first T,
// targets the last T. Loss weights are 1 everywhere except answer_weight on the answer targets of
// pass-key rows. Documents shorter than T + 1 tokens are never drawn.
inline constexpr uint64_t kPretrainStreamTag = 0x7072657430ull;  // "pret0"
Batch MakePretrainBatch(const Corpus& corpus, const PretrainData& data, int64_t step,
                        const Tokenizer& tokenizer, const RopeSpec& rope);

}  // namespace ropescale
