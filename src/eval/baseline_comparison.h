#pragma once
// A searched RoPE against the classic extensions: original, PI, NTK and YaRN (the baseline
// RoPEs) and the searched one, each scored on the same fresh held-out needle documents and
// perplexity windows, distributed over the ranks. `ropescale search --compare-documents` and
// `--evaluate` print it; `ropescale eval ppl` with the same documents gives the same numbers.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "io/tokenizer.h"
#include "src/dist/communicator.h"
#include "src/eval/corpus.h"
#include "src/model/backend.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

// Mixed into the search's seed so the comparison documents are never the search's own.
inline constexpr uint64_t kCompareSeedTag = 0x636f6d70617265ull;  // "compare"

// `documents` needle documents and as many windows of `target` tokens
// (BuildEvaluationDocuments with seed `seed ^ kCompareSeedTag`), one row per document scored
// (batch of one). Returns [{"rope", "needle_loss", "needle_loss_sem", "perplexity"}, ...] in
// the order original, pi, ntk, yarn (MakeBaselineRope of model_rope for target), searched;
// needle_loss_sem is the standard error of the per-document needle losses (how much of a
// difference is noise). Collective over `comm`, whose ranks share the scoring; every rank
// returns the table.
nlohmann::json CompareWithBaselines(dist::Communicator& comm, Backend& backend,
                                    const Corpus& corpus, const RopeSpec& model_rope,
                                    const RopeSpec& searched, int target, int documents,
                                    uint64_t seed, const Tokenizer& tokenizer);

// The comparison as a Markdown table (one row per RoPE), for people reading the job's output.
std::string ComparisonMarkdown(const nlohmann::json& comparison, int target);

}  // namespace ropescale
