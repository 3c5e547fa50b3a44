#include "src/eval/perplexity.h"

#include <algorithm>
#include <map>

#include "src/core/error.h"
#include "src/eval/greedy_generate.h"
#include "src/eval/text_windows.h"

namespace ropescale {
namespace {

void AddTo(LossSums& total, const LossSums& part) {
  total.weighted_loss += part.weighted_loss;
  total.weight += part.weight;
}

}  // namespace

LossSums ScoreTextWindows(Backend& backend, const std::vector<std::vector<int32_t>>& windows,
                          const RopeSpec& rope, int batch_size, const EvalProgress& progress) {
  Check(batch_size >= 1, "perplexity: batch size {} < 1", batch_size);
  LossSums total;
  for (size_t begin = 0; begin < windows.size(); begin += batch_size) {
    const size_t count = std::min<size_t>(batch_size, windows.size() - begin);
    AddTo(total, backend.Forward(MakeWindowBatch(windows, begin, count, rope), {}).loss);
    if (progress) progress(begin + count, windows.size());
  }
  return total;
}

LossSums ScoreNeedleDocuments(Backend& backend, const std::vector<NeedleDocument>& documents,
                              const RopeSpec& rope, int batch_size, const EvalProgress& progress) {
  Check(batch_size >= 1, "needle loss: batch size {} < 1", batch_size);
  LossSums total;
  for (size_t begin = 0; begin < documents.size(); begin += batch_size) {
    const size_t count = std::min<size_t>(batch_size, documents.size() - begin);
    AddTo(total, backend.Forward(MakeNeedleBatch(documents, begin, count, rope), {}).loss);
    if (progress) progress(begin + count, documents.size());
  }
  return total;
}

NeedleRetrieval EvaluateNeedleRetrieval(Backend& backend,
                                        const std::vector<NeedleDocument>& documents,
                                        const RopeSpec& rope, int batch_size,
                                        const EvalProgress& progress) {
  Check(batch_size >= 1, "needle retrieval: batch size {} < 1", batch_size);
  const int vocab = backend.Config().vocab_size;
  // One query = (document, answer position): the prefix before that position. Queries with the
  // same prefix length share a batch.
  std::map<int, std::vector<std::pair<size_t, int>>> queries_by_length;
  for (size_t d = 0; d < documents.size(); ++d) {
    const NeedleDocument& doc = documents[d];
    for (int t = doc.answer_begin; t < static_cast<int>(doc.tokens.size()); ++t) {
      queries_by_length[t].emplace_back(d, t);
    }
  }
  std::vector<bool> all_correct(documents.size(), true);
  NeedleRetrieval result;
  size_t done = 0;
  size_t total_queries = 0;
  for (const auto& [length, queries] : queries_by_length) total_queries += queries.size();
  ForwardOptions options;
  options.want_last_logits = true;
  for (const auto& [length, queries] : queries_by_length) {
    for (size_t begin = 0; begin < queries.size(); begin += batch_size) {
      const size_t count = std::min<size_t>(batch_size, queries.size() - begin);
      Batch batch;
      batch.batch_size = static_cast<int>(count);
      batch.seq_len = length;
      for (size_t q = begin; q < begin + count; ++q) {
        const std::vector<int32_t>& tokens = documents[queries[q].first].tokens;
        batch.tokens.insert(batch.tokens.end(), tokens.begin(), tokens.begin() + length);
        batch.targets.insert(batch.targets.end(), tokens.begin() + 1, tokens.begin() + length + 1);
      }
      batch.ropes = {rope};
      const ForwardOutput out = backend.Forward(batch, options);
      Check(out.last_logits.size() == count * vocab,
            "needle retrieval: backend {} returned {} last logits for {} rows of vocab {}",
            backend.Name(), out.last_logits.size(), count, vocab);
      for (size_t r = 0; r < count; ++r) {
        const auto [d, t] = queries[begin + r];
        const float* logits = out.last_logits.data() + r * vocab;
        const bool correct = GreedyToken(logits, vocab) == documents[d].tokens[t];
        result.correct_digits += correct;
        if (!correct) all_correct[d] = false;
      }
      done += count;
      if (progress) progress(done, total_queries);
    }
    result.digits += static_cast<int64_t>(queries.size());
  }
  result.documents = static_cast<int64_t>(documents.size());
  result.exact = std::count(all_correct.begin(), all_correct.end(), true);
  return result;
}

}  // namespace ropescale
