#pragma once
// The JSON and Markdown that `ropescale eval` writes: provenance, one JSON row per result, and
// tables for people. Pure functions of the results (no I/O), so every rank could make them and
// tests check them directly.
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "src/eval/needle_format.h"
#include "src/eval/passkey_suite.h"
#include "src/eval/perplexity_suite.h"

namespace ropescale {

// {"command_line", "version", "git_hash", "host", "time_utc"} of this process.
nlohmann::json ProvenanceJson();

// {"name", "digits"} (and "pairs" for kv).
nlohmann::json NeedleFormatJson(const NeedleFormat& format);

// One `eval ppl` row: model, rope, rope_type, factor, length, loss, perplexity, windows, tokens;
// with needle documents also needle_loss, needle_loss_sem, needle_answer_tokens,
// needle_documents; with retrieval also needle_exact, needle_documents, needle_digit_accuracy.
nlohmann::json PerplexityRowJson(const PerplexityCell& cell);

// One table: a row per (model, RoPE) in first-seen order, columns ppl@L for each length, then
// needle@L and exact@L when the cells have them. The model column only when `model_column`.
std::string PerplexityMarkdown(std::span<const PerplexityCell> cells, bool model_column);

// One `eval passkey` row: {"model", "rope", "length", "depth" (null = random), "format",
// "documents", "exact", "accuracy", "stderr", "digit_accuracy"}.
nlohmann::json PasskeyRowJson(const PasskeyResult& result);

// "87% ±3": the accuracy and its standard error in percent.
std::string AccuracyText(const PasskeyResult& result);

// One table per format (in first-seen order): a row per (model, RoPE), a column per (length,
// depth), each cell AccuracyText.
std::string PasskeyMarkdown(std::span<const PasskeyResult> results);

}  // namespace ropescale
