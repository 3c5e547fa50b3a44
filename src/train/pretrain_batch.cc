#include "src/train/pretrain_batch.h"

#include <string>
#include <vector>

#include "src/core/error.h"
#include "src/core/rng.h"
#include "src/train/document_pool.h"

namespace ropescale {

Batch MakePretrainBatch(const Corpus& corpus, const PretrainData& data, int64_t step,
                        const Tokenizer& tokenizer, const RopeSpec& rope) {
  const int T = data.context;
  Check(T >= 2 && data.batch_size >= 1, "pretrain batch: context {} or batch size {} too small", T,
        data.batch_size);
  const DocumentPool pool(corpus, T + 1);
  Check(!pool.empty(), "pretrain batch: no training document has {} tokens", T + 1);

  Batch batch;
  batch.batch_size = data.batch_size;
  batch.seq_len = T;
  batch.tokens.reserve(static_cast<size_t>(data.batch_size) * T);
  batch.targets.reserve(batch.tokens.capacity());
  batch.loss_weights.assign(static_cast<size_t>(data.batch_size) * T, 1.0f);
  for (int row = 0; row < data.batch_size; ++row) {
    CounterRng rng(data.seed, StreamId({kPretrainStreamTag, static_cast<uint64_t>(step),
                                        static_cast<uint64_t>(row)}));
    const bool passkey = rng.Uniform() < data.passkey_fraction;
    const std::vector<int32_t>& source = pool.Pick(rng).tokens;
    std::vector<int32_t> sequence;
    int answer_begin = T + 1;  // none
    if (passkey) {
      const NeedleFormat& format = PickNeedleFormat(data.needle_formats, rng);
      NeedleDocument doc = MakeNeedleDocument(source, T + 1, rng, tokenizer, format);
      answer_begin = doc.answer_begin;
      sequence = std::move(doc.tokens);
    } else {
      const auto start = source.begin() + rng.Below(source.size() - T);
      sequence.assign(start, start + T + 1);
    }
    batch.tokens.insert(batch.tokens.end(), sequence.begin(), sequence.end() - 1);
    batch.targets.insert(batch.targets.end(), sequence.begin() + 1, sequence.end());
    // The answer token at index a of the sequence is the target of position a - 1.
    for (int t = answer_begin - 1; t < T; ++t) {
      batch.loss_weights[static_cast<size_t>(row) * T + t] = static_cast<float>(data.answer_weight);
    }
  }
  batch.ropes = {rope};
  return batch;
}

}  // namespace ropescale
