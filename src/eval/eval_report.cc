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

nlohmann::json NeedleFormatJson(const NeedleFormat& format) {
  nlohmann::json json = {{"name", std::string(NeedleKindName(format.kind))},
                         {"digits", format.digits}};
  if (format.kind == NeedleKind::kKeyValue) json["pairs"] = format.pairs;
  return json;
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

nlohmann::json PasskeyRowJson(const PasskeyResult& result) {
  return {{"model", result.model},
          {"rope", result.rope},
          {"length", result.length},
          {"depth", result.depth ? nlohmann::json(*result.depth) : nlohmann::json(nullptr)},
          {"format", std::string(NeedleKindName(result.format.kind))},
          {"documents", result.retrieval.documents},
          {"exact", result.retrieval.exact},
          {"accuracy", result.Accuracy()},
          {"stderr", result.StandardError()},
          {"digit_accuracy", result.DigitAccuracy()}};
}

std::string AccuracyText(const PasskeyResult& result) {
  return fmt::format("{:.0f}% ±{:.0f}", 100.0 * result.Accuracy(), 100.0 * result.StandardError());
}

std::string PasskeyMarkdown(std::span<const PasskeyResult> results) {
  std::string text;
  const auto formats = FirstSeen(
      results, [](const PasskeyResult& r) { return std::pair(r.format.kind, r.format.digits); });
  for (const auto& [kind, digits] : formats) {
    std::vector<PasskeyResult> mine;
    for (const PasskeyResult& r : results) {
      if (r.format.kind == kind && r.format.digits == digits) mine.push_back(r);
    }
    const std::span<const PasskeyResult> view(mine);
    const auto columns =
        FirstSeen(view, [](const PasskeyResult& r) { return std::pair(r.length, r.depth); });
    const auto rows =
        FirstSeen(view, [](const PasskeyResult& r) { return std::pair(r.model, r.rope); });
    if (!text.empty()) text += "\n";
    text += fmt::format("{} ({} digits), {} documents per cell: exact-match accuracy ± s.e.\n\n",
                        NeedleKindName(kind), digits, mine[0].retrieval.documents);
    std::string header = "| model | RoPE |";
    std::string rule = "|---|---|";
    for (const auto& [length, depth] : columns) {
      header +=
          depth ? fmt::format(" {} @ depth {:g} |", length, *depth) : fmt::format(" {} |", length);
      rule += "---|";
    }
    text += header + "\n" + rule + "\n";
    for (const auto& [model, rope] : rows) {
      std::string row = fmt::format("| {} | {} |", model, rope);
      for (const auto& [length, depth] : columns) {
        const auto it = std::find_if(mine.begin(), mine.end(), [&](const PasskeyResult& r) {
          return r.model == model && r.rope == rope && r.length == length && r.depth == depth;
        });
        row += it == mine.end() ? " - |" : fmt::format(" {} |", AccuracyText(*it));
      }
      text += row + "\n";
    }
  }
  return text;
}

}  // namespace ropescale
