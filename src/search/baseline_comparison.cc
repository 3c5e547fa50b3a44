#include "src/search/baseline_comparison.h"

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "io/tokenizer.h"
#include "src/eval/baseline_ropes.h"
#include "src/search/distribution.h"
#include "src/search/evaluation_documents.h"
#include "src/search/fitness.h"

namespace ropescale::search {
namespace {

// Standard error of the mean of the per-document mean losses.
double StandardError(const LossSums* sums, int documents) {
  if (documents < 2) return 0.0;
  double mean = 0.0;
  for (int k = 0; k < documents; ++k) mean += sums[k].Mean();
  mean /= documents;
  double squares = 0.0;
  for (int k = 0; k < documents; ++k) squares += (sums[k].Mean() - mean) * (sums[k].Mean() - mean);
  return std::sqrt(squares / (documents - 1) / documents);
}

}  // namespace

nlohmann::json CompareWithBaselines(dist::Communicator& comm, Backend& backend,
                                    const Corpus& corpus, const RopeSpec& model_rope,
                                    const RopeSpec& searched, int target, int documents,
                                    uint64_t seed) {
  std::vector<std::pair<std::string, RopeSpec>> rows;
  for (BaselineRope b :
       {BaselineRope::kOriginal, BaselineRope::kPi, BaselineRope::kNtk, BaselineRope::kYarn}) {
    rows.emplace_back(std::string(BaselineRopeName(b)), MakeBaselineRope(model_rope, b, target));
  }
  rows.emplace_back("searched", searched);

  const ByteTokenizer tokenizer;
  const uint64_t compare_seed = seed ^ kCompareSeedTag;
  const auto needle = BuildEvaluationDocuments(FitnessKind::kNeedle, corpus, documents, target,
                                               compare_seed, tokenizer);
  const auto windows = BuildEvaluationDocuments(FitnessKind::kPerplexity, corpus, documents, target,
                                                compare_seed, tokenizer);
  // Task = (row, document): the needle documents first, then the windows.
  const int per_row = 2 * documents;
  const auto sums = DistributeTasks(comm, static_cast<int>(rows.size()) * per_row, [&](int task) {
    const int k = task % per_row;
    return DocumentLoss(backend, k < documents ? needle[k] : windows[k - documents],
                        rows[task / per_row].second);
  });
  nlohmann::json table = nlohmann::json::array();
  for (size_t r = 0; r < rows.size(); ++r) {
    const LossSums* mine = sums.data() + r * per_row;
    table.push_back({{"rope", rows[r].first},
                     {"needle_loss", FitnessFromSums(mine, documents)},
                     {"needle_loss_sem", StandardError(mine, documents)},
                     {"perplexity", std::exp(FitnessFromSums(mine + documents, documents))}});
  }
  return table;
}

std::string ComparisonMarkdown(const nlohmann::json& comparison, int target) {
  std::string text =
      fmt::format("| RoPE | needle loss @{} (+- s.e.) | perplexity @{} |\n", target, target);
  text += "|---|---|---|\n";
  for (const auto& row : comparison) {
    text +=
        fmt::format("| {} | {:.3f} +- {:.3f} | {:.3f} |\n", row.at("rope").get<std::string>(),
                    row.at("needle_loss").get<double>(), row.at("needle_loss_sem").get<double>(),
                    row.at("perplexity").get<double>());
  }
  return text;
}

}  // namespace ropescale::search
