#include "src/search/baseline_comparison.h"

#include <cmath>
#include <string>
#include <vector>

#include "io/tokenizer.h"
#include "src/eval/baseline_ropes.h"
#include "src/search/distribution.h"
#include "src/search/evaluation_documents.h"
#include "src/search/fitness.h"

namespace ropescale::search {

nlohmann::json CompareWithBaselines(Backend& backend, const Corpus& corpus,
                                    const RopeSpec& model_rope, const RopeSpec& searched,
                                    int target, int documents, uint64_t seed) {
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
  const auto sums = DistributeTasks(static_cast<int>(rows.size()) * per_row, [&](int task) {
    const int k = task % per_row;
    return DocumentLoss(backend, k < documents ? needle[k] : windows[k - documents],
                        rows[task / per_row].second);
  });
  nlohmann::json table = nlohmann::json::array();
  for (size_t r = 0; r < rows.size(); ++r) {
    const LossSums* mine = sums.data() + r * per_row;
    table.push_back({{"rope", rows[r].first},
                     {"needle_loss", FitnessFromSums(mine, documents)},
                     {"perplexity", std::exp(FitnessFromSums(mine + documents, documents))}});
  }
  return table;
}

}  // namespace ropescale::search
