#include "src/eval/needle_retrieval.h"

#include <algorithm>
#include <map>
#include <utility>

#include "src/core/error.h"
#include "src/eval/greedy_generate.h"

namespace ropescale {
namespace {

// Index of the first answer token of `doc`: one past the first weighted position. Checks that
// the weighted positions are exactly [answer - 1, T - 2].
int AnswerBegin(const EvaluationDocument& doc, size_t index) {
  const int length = static_cast<int>(doc.tokens.size());
  Check(static_cast<int>(doc.loss_weights.size()) == length &&
            static_cast<int>(doc.targets.size()) == length,
        "needle retrieval: document {} has {} tokens, {} targets and {} loss weights", index,
        length, doc.targets.size(), doc.loss_weights.size());
  Check(length >= 2 && doc.loss_weights[length - 1] == 0.0f,
        "needle retrieval: document {} weighs its last position, which predicts nothing", index);
  int first = length - 1;  // the first weighted position of the block that ends at T - 2
  while (first > 0 && doc.loss_weights[first - 1] > 0.0f) --first;
  Check(first < length - 1, "needle retrieval: document {} has no answer at its end", index);
  for (int t = 0; t < first; ++t) {
    Check(doc.loss_weights[t] == 0.0f,
          "needle retrieval: document {} weighs position {} before its answer: the answer must "
          "be the last tokens",
          index, t);
  }
  return first + 1;
}

}  // namespace

NeedleRetrieval SumRetrieval(std::span<const DocumentRetrieval> results) {
  NeedleRetrieval total;
  for (const DocumentRetrieval& r : results) {
    total.documents += 1;
    total.exact += r.exact;
    total.digits += r.answer_tokens;
    total.correct_digits += r.correct;
  }
  total.per_document.assign(results.begin(), results.end());
  return total;
}

NeedleRetrieval EvaluateNeedleRetrieval(Backend& backend,
                                        std::span<const EvaluationDocument> documents,
                                        const RopeSpec& rope, int batch_size) {
  Check(batch_size >= 1, "needle retrieval: batch size {} < 1", batch_size);
  const int vocab = backend.Config().vocab_size;
  // One query = (document, answer position t): the prefix [0, t). Queries with the same prefix
  // length share a batch.
  std::map<int, std::vector<std::pair<size_t, int>>> queries_by_length;
  std::vector<DocumentRetrieval> results(documents.size());
  for (size_t d = 0; d < documents.size(); ++d) {
    const int length = static_cast<int>(documents[d].tokens.size());
    for (int t = AnswerBegin(documents[d], d); t < length; ++t) {
      queries_by_length[t].emplace_back(d, t);
      ++results[d].answer_tokens;
    }
  }
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
        results[d].correct +=
            GreedyToken(out.last_logits.data() + r * vocab, vocab) == documents[d].tokens[t];
      }
    }
  }
  for (DocumentRetrieval& r : results) r.exact = r.correct == r.answer_tokens;
  return SumRetrieval(results);
}

}  // namespace ropescale
