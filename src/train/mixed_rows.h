#pragma once
// What one optimizer step of the mixed context window trainer sees (LongRoPE2): a global batch of
// `global_batch_tokens` tokens split into LONG rows of T tokens (one stretch of a document, on the
// rescaled RoPE) and SHORT rows of at most L tokens (several documents packed, positions restarting
// at 0 and a segment id per document, on the original-window RoPE). `long_token_share` of the
// tokens are in long rows.
//
// Row g of step s is a pure function of (corpus, options, s, g): it draws only from
// CounterRng(seed, StreamId({kMixedRowStreamTag, s, g})). So what a rank reads at a step does not
// depend on the number of ranks, and a resumed run reads exactly what an uninterrupted one would:
// the data cursor is the step number.
#include <cstdint>
#include <vector>

#include "io/tokenizer.h"
#include "src/eval/corpus.h"
#include "src/eval/needle_document.h"
#include "src/model/batch.h"
#include "src/train/document_pool.h"

namespace ropescale {

struct MixedDataOptions {
  int short_len = 256;            // L: tokens of a short row (the original window)
  int long_len = 2048;            // T: tokens of a long row (the target window)
  double long_token_share = 0.5;  // share of the global batch's tokens in long rows, in [0, 1]
  int64_t global_batch_tokens = 8192;
  uint64_t seed = 1;
  // Probability that a long row, or a packed document of a short row, is a pass-key document
  // (src/eval/needle_document.h) instead of plain text; its answer targets weigh answer_weight.
  double passkey_fraction = 0.0;
  double answer_weight = 1.0;
  // Packed documents of a short row are cut to a length drawn uniformly in
  // [short_doc_min, room left] (a document shorter than that is taken whole); 0 = L / 4.
  int short_doc_min = 0;
  // A pass-key document is of one of these formats (PickNeedleFormat).
  std::vector<NeedleFormat> needle_formats = {NeedleFormat{}};
};

// Rows per step: long = round(G * share / T), short = round(G * (1 - share) / L).
struct StepLayout {
  int long_rows = 0;
  int short_rows = 0;
  int total() const { return long_rows + short_rows; }
};
// Throws Error naming the field when the options are inconsistent (T <= L, share outside [0, 1],
// a share > 0 that gives no long row, ...).
StepLayout ComputeStepLayout(const MixedDataOptions& options);

enum class RowKind { kShort, kLong };

// One row: tokens, next-token targets (never across a packed document's end), loss weights,
// positions restarting at 0 for each packed document, and its document (segment) ids.
struct TrainingRow {
  RowKind kind = RowKind::kShort;
  std::vector<int32_t> tokens;
  std::vector<int32_t> targets;
  std::vector<float> loss_weights;
  std::vector<int32_t> positions;
  std::vector<int32_t> segment_ids;
  int documents = 0;  // packed documents (1 for a long row)
  double Weight() const;
};

// The training documents prepared once for row drawing: a document is chosen with probability
// proportional to its length among those long enough for the row kind.
class RowSource {
 public:
  // Throws Error when no document has T + 1 tokens (and long rows are asked for) or no document
  // has 2 tokens.
  // `corpus` and `tokenizer` must outlive the RowSource.
  RowSource(const Corpus& corpus, const MixedDataOptions& options, const StepLayout& layout,
            const Tokenizer& tokenizer);

  // Global row `row` of step `step`: rows [0, long_rows) are long, the rest short.
  TrainingRow Row(int64_t step, int row) const;

 private:
  TrainingRow LongRow(CounterRng& rng) const;
  TrainingRow ShortRow(CounterRng& rng) const;

  MixedDataOptions options_;
  StepLayout layout_;
  DocumentPool long_pool_;   // documents of at least T + 1 tokens
  DocumentPool short_pool_;  // documents of at least 2 tokens
  const Tokenizer* tokenizer_;
  std::vector<int> min_needle_tokens_;  // per options_.needle_formats entry
};

inline constexpr uint64_t kMixedRowStreamTag = 0x6d69786430ull;  // "mixd0"

// The global rows of one kind that rank `rank` of `size` trains on: every size-th one, starting
// at `rank` (long and short rows are dealt separately, so each rank gets its share of both).
std::vector<int> RowsOfRank(const StepLayout& layout, RowKind kind, int rank, int size);

// Rows of equal length as one batch, every row on `rope` (the backend switches a longrope RoPE
// to its short factors for rows whose positions stay below the original window, as HF does).
Batch RowsToBatch(const std::vector<const TrainingRow*>& rows, const RopeSpec& rope);

}  // namespace ropescale
