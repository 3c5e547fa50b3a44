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
  // Documents with the same prompt and answer lengths decode together, batch_size rows at a
  // time (a decoding session's rows share the prompt length).
  std::map<std::pair<int, int>, std::vector<size_t>> groups;
  std::vector<DocumentRetrieval> results(documents.size());
  for (size_t d = 0; d < documents.size(); ++d) {
    const int length = static_cast<int>(documents[d].tokens.size());
    const int answer = AnswerBegin(documents[d], d);
    results[d].answer_tokens = length - answer;
    groups[{answer, length - answer}].push_back(d);
  }
  for (const auto& [lengths, members] : groups) {
    const auto [prompt_len, answer_len] = lengths;
    for (size_t begin = 0; begin < members.size(); begin += batch_size) {
      const size_t count = std::min<size_t>(batch_size, members.size() - begin);
      std::vector<std::vector<int32_t>> prompts;
      for (size_t r = begin; r < begin + count; ++r) {
        const std::vector<int32_t>& tokens = documents[members[r]].tokens;
        prompts.emplace_back(tokens.begin(), tokens.begin() + prompt_len);
      }
      const std::vector<std::vector<int32_t>> written =
          GreedyGenerate(backend, prompts, rope, answer_len);
      for (size_t r = 0; r < count; ++r) {
        const std::vector<int32_t>& tokens = documents[members[begin + r]].tokens;
        DocumentRetrieval& result = results[members[begin + r]];
        for (int i = 0; i < answer_len; ++i) {
          result.correct += written[r][i] == tokens[prompt_len + i];
        }
        result.exact = result.correct == answer_len;
      }
    }
  }
  return SumRetrieval(results);
}

}  // namespace ropescale
