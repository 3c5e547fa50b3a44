#include "src/eval/baseline_comparison.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "io/tokenizer.h"
#include "src/eval/baseline_ropes.h"
#include "src/eval/perplexity_suite.h"

namespace ropescale {

nlohmann::json CompareWithBaselines(dist::Communicator& comm, Backend& backend,
                                    const Corpus& corpus, const RopeSpec& model_rope,
                                    const RopeSpec& searched, int target, int documents,
                                    uint64_t seed, const Tokenizer& tokenizer) {
  const BaselineRope baselines[] = {BaselineRope::kOriginal, BaselineRope::kPi, BaselineRope::kNtk,
                                    BaselineRope::kYarn};
  std::vector<NamedRope> ropes = NameBaselineRopes(model_rope, baselines, target);
  ropes.push_back({"searched", searched});
  PerplexitySettings settings;
  settings.lengths = {target};
  settings.documents = documents;
  settings.seed = seed ^ kCompareSeedTag;
  settings.needle = true;
  nlohmann::json table = nlohmann::json::array();
  for (const PerplexityCell& cell :
       EvaluatePerplexity(comm, backend, "", corpus, ropes, settings, tokenizer)) {
    table.push_back({{"rope", cell.rope},
                     {"needle_loss", cell.NeedleLoss()},
                     {"needle_loss_sem", cell.NeedleLossSem()},
                     {"perplexity", cell.Perplexity()}});
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

}  // namespace ropescale
