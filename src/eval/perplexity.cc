#include "src/eval/perplexity.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"

namespace ropescale {

LossSums ScoreDocument(Backend& backend, const EvaluationDocument& document, const RopeSpec& rope) {
  return backend.Forward(MakeDocumentBatch(std::span(&document, 1), rope), ForwardOptions{}).loss;
}

std::vector<LossSums> ScoreDocumentRows(Backend& backend,
                                        std::span<const EvaluationDocument> documents,
                                        const RopeSpec& rope) {
  Check(!documents.empty(), "document scores: no documents");
  if (documents.size() == 1) return {ScoreDocument(backend, documents[0], rope)};
  ForwardOptions options;
  options.want_token_losses = true;
  const ForwardOutput out = backend.Forward(MakeDocumentBatch(documents, rope), options);
  const size_t length = documents[0].tokens.size();
  Check(out.token_losses.size() == documents.size() * length,
        "document scores: backend {} returned {} token losses for {} rows of {}", backend.Name(),
        out.token_losses.size(), documents.size(), length);
  std::vector<LossSums> sums(documents.size());
  for (size_t d = 0; d < documents.size(); ++d) {
    for (size_t t = 0; t < length; ++t) {
      const float weight = documents[d].loss_weights[t];
      if (weight <= 0.0f || documents[d].targets[t] == kIgnoreTarget) continue;
      sums[d].weighted_loss += static_cast<double>(weight) * out.token_losses[d * length + t];
      sums[d].weight += weight;
    }
  }
  return sums;
}

LossSums SumInOrder(std::span<const LossSums> sums) {
  LossSums total;
  for (const LossSums& part : sums) {
    total.weighted_loss += part.weighted_loss;
    total.weight += part.weight;
  }
  return total;
}

double StandardErrorOfMeans(std::span<const LossSums> sums) {
  const size_t n = sums.size();
  if (n < 2) return 0.0;
  double mean = 0.0;
  for (const LossSums& s : sums) mean += s.Mean();
  mean /= static_cast<double>(n);
  double squares = 0.0;
  for (const LossSums& s : sums) squares += (s.Mean() - mean) * (s.Mean() - mean);
  return std::sqrt(squares / static_cast<double>(n - 1) / static_cast<double>(n));
}

LossSums ScoreTextWindows(Backend& backend, const std::vector<std::vector<int32_t>>& windows,
                          const RopeSpec& rope, int batch_size) {
  Check(batch_size >= 1, "perplexity: batch size {} < 1", batch_size);
  std::vector<EvaluationDocument> documents;
  documents.reserve(windows.size());
  for (const auto& window : windows) documents.push_back(WindowDocument(window));
  std::vector<LossSums> sums;
  for (size_t begin = 0; begin < documents.size(); begin += batch_size) {
    const size_t count = std::min<size_t>(batch_size, documents.size() - begin);
    const auto rows = ScoreDocumentRows(backend, std::span(documents).subspan(begin, count), rope);
    sums.insert(sums.end(), rows.begin(), rows.end());
  }
  return SumInOrder(sums);
}

}  // namespace ropescale
