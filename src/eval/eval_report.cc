#include "src/eval/eval_report.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <utility>

#include "io/checkpoint.h"
#include "src/eval/perplexity.h"

namespace ropescale {
namespace {

std::string HostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

// The distinct values of key(item) in first-seen order.
template <typename T, typename Key>
auto FirstSeen(std::span<const T> items, Key key) {
  std::vector<decltype(key(items[0]))> seen;
  for (const T& item : items) {
    if (std::find(seen.begin(), seen.end(), key(item)) == seen.end()) seen.push_back(key(item));
  }
  return seen;
}

}  // namespace

nlohmann::json ProvenanceJson() {
  const Provenance provenance = CurrentProvenance();
  return {{"command_line", provenance.command_line},
          {"version", provenance.version},
          {"git_hash", provenance.git_hash},
          {"host", HostName()},
          {"time_utc", provenance.time_utc}};
}

nlohmann::json PerplexityRowJson(const PerplexityCell& cell) {
  const LossSums text = cell.Text();
  nlohmann::json row = {{"model", cell.model},
                        {"rope", cell.rope},
                        {"rope_type", std::string(RopeKindName(cell.spec.kind))},
                        {"factor", cell.spec.kind == RopeKind::kDefault ? 1.0 : cell.spec.factor},
                        {"length", cell.length},
                        {"loss", text.Mean()},
                        {"perplexity", cell.Perplexity()},
                        {"windows", cell.windows.size()},
                        {"tokens", text.weight}};
  if (!cell.needle.empty()) {
    row["needle_loss"] = cell.NeedleLoss();
    row["needle_loss_sem"] = cell.NeedleLossSem();
    row["needle_answer_tokens"] = SumInOrder(cell.needle).weight;
    row["needle_documents"] = cell.needle.size();
  }
  if (cell.retrieval) {
    row["needle_exact"] = cell.retrieval->exact;
    row["needle_documents"] = cell.retrieval->documents;
    row["needle_digit_accuracy"] =
        cell.retrieval->digits
            ? static_cast<double>(cell.retrieval->correct_digits) / cell.retrieval->digits
            : 0.0;
  }
  return row;
}

std::string PerplexityMarkdown(std::span<const PerplexityCell> cells, bool model_column) {
  if (cells.empty()) return "";
  const auto lengths = FirstSeen(cells, [](const PerplexityCell& c) { return c.length; });
  const auto rows =
      FirstSeen(cells, [](const PerplexityCell& c) { return std::pair(c.model, c.rope); });
  const bool needle = !cells[0].needle.empty();
  const bool retrieval = cells[0].retrieval.has_value();
  std::string header = model_column ? "| model | RoPE |" : "| RoPE |";
  std::string rule = model_column ? "|---|---|" : "|---|";
  auto add_columns = [&](const char* metric) {
    for (int length : lengths) {
      header += fmt::format(" {}@{} |", metric, length);
      rule += "---|";
    }
  };
  add_columns("ppl");
  if (needle) add_columns("needle");
  if (retrieval) add_columns("exact");
  std::string text = header + "\n" + rule + "\n";
  for (const auto& [model, rope] : rows) {
    auto cell_of = [&](int length) -> const PerplexityCell& {
      return *std::find_if(cells.begin(), cells.end(), [&](const PerplexityCell& c) {
        return c.model == model && c.rope == rope && c.length == length;
      });
    };
    std::string row =
        model_column ? fmt::format("| {} | {} |", model, rope) : fmt::format("| {} |", rope);
    for (int length : lengths) row += fmt::format(" {:.3f} |", cell_of(length).Perplexity());
    if (needle) {
      for (int length : lengths) row += fmt::format(" {:.3f} |", cell_of(length).NeedleLoss());
    }
    if (retrieval) {
      for (int length : lengths) {
        const NeedleRetrieval& r = *cell_of(length).retrieval;
        row += fmt::format(" {}/{} |", r.exact, r.documents);
      }
    }
    text += row + "\n";
  }
  return text;
}

}  // namespace ropescale
