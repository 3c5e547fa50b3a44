#include "src/train/mixed_rows.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"
#include "src/core/rng.h"

namespace ropescale {
namespace {

// Shortest pass-key document worth packing into a short row (the needle, question and key take
// about 110 bytes with the default format; the rest is filler).
constexpr int kMinPasskeyTokens = 160;

// Appends `sequence` (n + 1 tokens: n inputs and their n next-token targets) to `row` as one
// document with positions 0..n-1; `answer_begin` (index into sequence, or > n) starts the
// targets that weigh `answer_weight`.
void AppendDocument(TrainingRow& row, const std::vector<int32_t>& sequence, int answer_begin,
                    float answer_weight) {
  const int n = static_cast<int>(sequence.size()) - 1;
  for (int t = 0; t < n; ++t) {
    row.tokens.push_back(sequence[t]);
    row.targets.push_back(sequence[t + 1]);
    // The token at index a of the sequence is the target of position a - 1.
    row.loss_weights.push_back(t + 1 >= answer_begin ? answer_weight : 1.0f);
    row.positions.push_back(t);
    row.segment_ids.push_back(row.documents);
  }
  ++row.documents;
}

}  // namespace

StepLayout ComputeStepLayout(const MixedDataOptions& o) {
  Check(o.short_len >= 2, "train: short_len {} must be at least 2", o.short_len);
  Check(o.long_len > o.short_len, "train: long_len {} must exceed short_len {}", o.long_len,
        o.short_len);
  Check(o.long_token_share >= 0.0 && o.long_token_share <= 1.0,
        "train: long_token_share {} not in [0, 1]", o.long_token_share);
  Check(o.global_batch_tokens > 0, "train: global_batch_tokens must be positive");
  Check(o.passkey_fraction >= 0.0 && o.passkey_fraction <= 1.0,
        "train: passkey_fraction {} not in [0, 1]", o.passkey_fraction);
  Check(o.answer_weight >= 0.0, "train: answer_weight {} is negative", o.answer_weight);
  Check(o.short_doc_min >= 0 && o.short_doc_min <= o.short_len,
        "train: short_doc_min {} not in [0, short_len {}]", o.short_doc_min, o.short_len);
  const double g = static_cast<double>(o.global_batch_tokens);
  StepLayout layout;
  layout.long_rows = static_cast<int>(std::llround(g * o.long_token_share / o.long_len));
  layout.short_rows = static_cast<int>(std::llround(g * (1.0 - o.long_token_share) / o.short_len));
  Check(o.long_token_share == 0.0 || layout.long_rows > 0,
        "train: a global batch of {} tokens holds no long row of {} tokens at long_token_share {} "
        "(needs at least {} tokens)",
        o.global_batch_tokens, o.long_len, o.long_token_share,
        static_cast<int64_t>(std::ceil(0.5 * o.long_len / o.long_token_share)));
  Check(o.long_token_share == 1.0 || layout.short_rows > 0,
        "train: a global batch of {} tokens holds no short row of {} tokens at long_token_share {}",
        o.global_batch_tokens, o.short_len, o.long_token_share);
  return layout;
}

double TrainingRow::Weight() const {
  double weight = 0.0;
  for (size_t t = 0; t < targets.size(); ++t) {
    if (targets[t] != kIgnoreTarget) weight += loss_weights[t];
  }
  return weight;
}

RowSource::RowSource(const Corpus& corpus, const MixedDataOptions& options,
                     const StepLayout& layout, const Tokenizer& tokenizer)
    : options_(options),
      layout_(layout),
      long_pool_(corpus, options.long_len + 1),
      short_pool_(corpus, 2),
      tokenizer_(&tokenizer) {
  // Shortest packed document that may be a needle document, per format (encoding its longest
  // text once here instead of for every packed document).
  for (const NeedleFormat& format : options_.needle_formats) {
    min_needle_tokens_.push_back(
        std::max(kMinPasskeyTokens, MinNeedleDocumentLength(format, tokenizer) + 16));
  }
  if (options_.short_doc_min == 0) options_.short_doc_min = std::max(1, options_.short_len / 4);
  Check(layout.long_rows == 0 || !long_pool_.empty(),
        "train: no training document has the {} tokens a long row needs", options_.long_len + 1);
  Check(layout.short_rows == 0 || !short_pool_.empty(), "train: no training document has 2 tokens");
}

TrainingRow RowSource::Row(int64_t step, int row) const {
  Check(row >= 0 && row < layout_.total(), "train: row {} outside the step's {} rows", row,
        layout_.total());
  CounterRng rng(options_.seed, StreamId({kMixedRowStreamTag, static_cast<uint64_t>(step),
                                          static_cast<uint64_t>(row)}));
  return row < layout_.long_rows ? LongRow(rng) : ShortRow(rng);
}

TrainingRow RowSource::LongRow(CounterRng& rng) const {
  const int T = options_.long_len;
  TrainingRow row;
  row.kind = RowKind::kLong;
  const bool passkey = rng.Uniform() < options_.passkey_fraction;
  const std::vector<int32_t>& source = long_pool_.Pick(rng).tokens;
  if (passkey) {
    const NeedleFormat& format = PickNeedleFormat(options_.needle_formats, rng);
    const NeedleDocument doc = MakeNeedleDocument(source, T + 1, rng, *tokenizer_, format);
    AppendDocument(row, doc.tokens, doc.answer_begin, static_cast<float>(options_.answer_weight));
  } else {
    const auto start = source.begin() + static_cast<int64_t>(rng.Below(source.size() - T));
    AppendDocument(row, std::vector<int32_t>(start, start + T + 1), T + 1, 1.0f);
  }
  return row;
}

TrainingRow RowSource::ShortRow(CounterRng& rng) const {
  const int L = options_.short_len;
  const int min_len = options_.short_doc_min;
  TrainingRow row;
  row.kind = RowKind::kShort;
  int room = L;
  while (room > 0) {
    // Length of the next document: uniform in [min(min_len, room), room], and all of the room
    // when what would be left could not hold another document of min_len.
    const int low = std::min(min_len, room);
    int n = low + static_cast<int>(rng.Below(static_cast<uint64_t>(room) - low + 1));
    if (room - n < min_len) n = room;
    const bool passkey = rng.Uniform() < options_.passkey_fraction;
    const std::vector<int32_t>& source = short_pool_.Pick(rng).tokens;
    const int available = static_cast<int>(std::min<size_t>(source.size(), INT32_MAX)) - 1;
    n = std::min(n, available);  // a shorter document is taken whole
    const NeedleFormat* format =
        passkey ? &PickNeedleFormat(options_.needle_formats, rng) : nullptr;
    if (format != nullptr && n + 1 >= min_needle_tokens_[format - options_.needle_formats.data()]) {
      const NeedleDocument doc = MakeNeedleDocument(source, n + 1, rng, *tokenizer_, *format);
      AppendDocument(row, doc.tokens, doc.answer_begin, static_cast<float>(options_.answer_weight));
    } else {
      const auto start = source.begin() + static_cast<int64_t>(rng.Below(source.size() - n));
      AppendDocument(row, std::vector<int32_t>(start, start + n + 1), n + 1, 1.0f);
    }
    room -= n;
  }
  return row;
}

std::vector<int> RowsOfRank(const StepLayout& layout, RowKind kind, int rank, int size) {
  Check(size >= 1 && rank >= 0 && rank < size, "train: rank {} of {}", rank, size);
  const int begin = kind == RowKind::kLong ? 0 : layout.long_rows;
  const int count = kind == RowKind::kLong ? layout.long_rows : layout.short_rows;
  std::vector<int> rows;
  for (int i = rank; i < count; i += size) rows.push_back(begin + i);
  return rows;
}

Batch RowsToBatch(const std::vector<const TrainingRow*>& rows, const RopeSpec& rope) {
  Check(!rows.empty(), "train: empty micro-batch");
  Batch batch;
  batch.batch_size = static_cast<int>(rows.size());
  batch.seq_len = static_cast<int>(rows.front()->tokens.size());
  for (const TrainingRow* row : rows) {
    Check(static_cast<int>(row->tokens.size()) == batch.seq_len,
          "train: rows of {} and {} tokens in one micro-batch", row->tokens.size(), batch.seq_len);
    batch.tokens.insert(batch.tokens.end(), row->tokens.begin(), row->tokens.end());
    batch.targets.insert(batch.targets.end(), row->targets.begin(), row->targets.end());
    batch.loss_weights.insert(batch.loss_weights.end(), row->loss_weights.begin(),
                              row->loss_weights.end());
    batch.positions.insert(batch.positions.end(), row->positions.begin(), row->positions.end());
    batch.segment_ids.insert(batch.segment_ids.end(), row->segment_ids.begin(),
                             row->segment_ids.end());
  }
  batch.ropes = {rope};
  return batch;
}

}  // namespace ropescale
