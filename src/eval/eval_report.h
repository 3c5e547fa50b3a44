#pragma once
// The JSON and Markdown that `ropescale eval` writes: provenance, one JSON row per result, and
// tables for people. Pure functions of the results (no I/O), so every rank could make them and
// tests check them directly.
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "src/eval/perplexity_suite.h"

namespace ropescale {

// {"command_line", "version", "git_hash", "host", "time_utc"} of this process.
nlohmann::json ProvenanceJson();

// One `eval ppl` row: model, rope, rope_type, factor, length, loss, perplexity, windows, tokens;
// with needle documents also needle_loss, needle_loss_sem, needle_answer_tokens,
// needle_documents; with retrieval also needle_exact, needle_documents, needle_digit_accuracy.
nlohmann::json PerplexityRowJson(const PerplexityCell& cell);

// One table: a row per (model, RoPE) in first-seen order, columns ppl@L for each length, then
// needle@L and exact@L when the cells have them. The model column only when `model_column`.
std::string PerplexityMarkdown(std::span<const PerplexityCell> cells, bool model_column);

}  // namespace ropescale
