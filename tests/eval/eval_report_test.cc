// What `ropescale eval` writes: the JSON rows' keys (the schema jobs/plot_eval.py and
// jobs/reproduction_table.py read) and the Markdown tables.
#include "src/eval/eval_report.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ropescale {
namespace {

std::set<std::string> Keys(const nlohmann::json& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.insert(key);
  return keys;
}

TEST(EvalReport, PerplexityRowsKeepTheOldKeysAndAddTheNewOnes) {
  PerplexityCell cell;
  cell.model = "m.h5";
  cell.rope = "pi";
  cell.spec.kind = RopeKind::kLinear;
  cell.spec.factor = 4.0;
  cell.length = 512;
  cell.windows = {{10.0, 5.0}, {20.0, 5.0}};
  nlohmann::json row = PerplexityRowJson(cell);
  EXPECT_EQ(Keys(row), (std::set<std::string>{"model", "rope", "rope_type", "factor", "length",
                                              "loss", "perplexity", "windows", "tokens"}));
  EXPECT_DOUBLE_EQ(row["perplexity"].get<double>(), std::exp(3.0));
  EXPECT_EQ(row["windows"], 2);
  EXPECT_EQ(row["factor"], 4.0);
  cell.needle = {{1.0, 5.0}, {2.0, 5.0}};
  cell.retrieval = SumRetrieval(std::vector<DocumentRetrieval>{{true, 5, 5}, {false, 2, 5}});
  row = PerplexityRowJson(cell);
  EXPECT_EQ(Keys(row),
            (std::set<std::string>{"model", "rope", "rope_type", "factor", "length", "loss",
                                   "perplexity", "windows", "tokens", "needle_loss",
                                   "needle_loss_sem", "needle_answer_tokens", "needle_documents",
                                   "needle_exact", "needle_digit_accuracy"}));
  EXPECT_DOUBLE_EQ(row["needle_loss"].get<double>(), 0.3);
  EXPECT_EQ(row["needle_exact"], 1);
  EXPECT_EQ(row["needle_documents"], 2);
  EXPECT_DOUBLE_EQ(row["needle_digit_accuracy"].get<double>(), 0.7);
  const std::string table = PerplexityMarkdown(std::vector<PerplexityCell>{cell}, true);
  EXPECT_NE(table.find("| model | RoPE | ppl@512 | needle@512 | exact@512 |"), std::string::npos)
      << table;
  EXPECT_NE(table.find("| m.h5 | pi | 20.086 | 0.300 | 1/2 |"), std::string::npos) << table;
}

TEST(EvalReport, ProvenanceNamesTheRun) {
  EXPECT_EQ(Keys(ProvenanceJson()),
            (std::set<std::string>{"command_line", "version", "git_hash", "host", "time_utc"}));
}

}  // namespace
}  // namespace ropescale
