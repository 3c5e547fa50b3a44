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

PasskeyResult Result(const std::string& model, const std::string& rope, int length,
                     std::optional<double> depth, int exact, int documents) {
  PasskeyResult result;
  result.model = model;
  result.rope = rope;
  result.length = length;
  result.depth = depth;
  std::vector<DocumentRetrieval> docs(documents, DocumentRetrieval{false, 3, 5});
  for (int d = 0; d < exact; ++d) docs[d] = {true, 5, 5};
  result.retrieval = SumRetrieval(docs);
  return result;
}

TEST(EvalReport, PasskeyRowsHaveExactlyTheDocumentedKeys) {
  const nlohmann::json row = PasskeyRowJson(Result("a.h5", "yarn", 256, 0.25, 87, 100));
  EXPECT_EQ(Keys(row),
            (std::set<std::string>{"model", "rope", "length", "depth", "format", "documents",
                                   "exact", "accuracy", "stderr", "digit_accuracy"}));
  EXPECT_EQ(row["model"], "a.h5");
  EXPECT_EQ(row["format"], "passkey");
  EXPECT_EQ(row["depth"], 0.25);
  EXPECT_EQ(row["documents"], 100);
  EXPECT_EQ(row["exact"], 87);
  EXPECT_DOUBLE_EQ(row["accuracy"].get<double>(), 0.87);
  EXPECT_DOUBLE_EQ(row["stderr"].get<double>(), std::sqrt(0.87 * 0.13 / 100));
  EXPECT_DOUBLE_EQ(row["digit_accuracy"].get<double>(), (87 * 5 + 13 * 3) / 500.0);
  EXPECT_TRUE(PasskeyRowJson(Result("a.h5", "yarn", 256, std::nullopt, 1, 2))["depth"].is_null());
  EXPECT_EQ(AccuracyText(Result("a", "b", 1, std::nullopt, 87, 100)), "87% ±3");
}

TEST(EvalReport, PasskeyMarkdownHasARowPerModelAndRopeAndAColumnPerLengthAndDepth) {
  std::vector<PasskeyResult> results;
  for (const char* model : {"a.h5", "b.h5"}) {
    for (const char* rope : {"original", "yarn"}) {
      for (int length : {256, 512}) {
        for (double depth : {0.0, 1.0}) results.push_back(Result(model, rope, length, depth, 1, 2));
      }
    }
  }
  const std::string text = PasskeyMarkdown(results);
  EXPECT_NE(text.find("| model | RoPE | 256 @ depth 0 | 256 @ depth 1 | 512 @ depth 0 | 512 @ "
                      "depth 1 |"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("| b.h5 | yarn | 50% ±35 | 50% ±35 | 50% ±35 | 50% ±35 |"), std::string::npos)
      << text;
  size_t rows = 0;
  for (size_t at = text.find("\n|"); at != std::string::npos; at = text.find("\n|", at + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, 2u + 4u);  // header, rule, four (model, RoPE) rows
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
