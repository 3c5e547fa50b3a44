#pragma once
// Loss scoring of a Backend with a given RoPE: the weighted cross-entropy of evaluation
// documents (perplexity windows: every next token; needle documents: the answer tokens only).
// Every function runs Forward only and returns LossSums (sum of weighted losses, sum of
// weights) per document, so partial results from ranks or batches add exactly; means are taken
// once, at the end, over the documents in order.
#include <cstdint>
#include <span>
#include <vector>

#include "src/eval/evaluation_documents.h"
#include "src/model/backend.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

// One Backend::Forward of one document (a batch of one row) on `rope`: its loss sums.
LossSums ScoreDocument(Backend& backend, const EvaluationDocument& document, const RopeSpec& rope);

// One Forward of `documents` (all the same length) as the rows of one batch: each row's loss
// sums (from the per-token losses; one row is ScoreDocument).
std::vector<LossSums> ScoreDocumentRows(Backend& backend,
                                        std::span<const EvaluationDocument> documents,
                                        const RopeSpec& rope);

// The sums added in order, starting from zero: perplexity = exp(SumInOrder(...).Mean()).
LossSums SumInOrder(std::span<const LossSums> sums);

// Standard error of the mean of the per-document mean losses (0 for fewer than two documents):
// how much of a difference between two RoPEs is noise.
double StandardErrorOfMeans(std::span<const LossSums> sums);

// Perplexity windows scored serially, `batch_size` rows per forward: the loss sums over every
// prediction of every window (T - 1 per window). Perplexity = exp(result.Mean()).
LossSums ScoreTextWindows(Backend& backend, const std::vector<std::vector<int32_t>>& windows,
                          const RopeSpec& rope, int batch_size = 1);

}  // namespace ropescale
