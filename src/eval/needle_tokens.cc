#include "src/eval/needle_tokens.h"

#include <string>

#include "src/core/error.h"

namespace ropescale {
namespace {

constexpr std::string_view kAnchor = "x";

// The pieces of Encode(kAnchor + text) after the anchor, offsets relative to `text`.
std::vector<TokenPiece> PiecesInContext(std::string_view text, const Tokenizer& tokenizer) {
  const std::string anchored = std::string(kAnchor) + std::string(text);
  const auto anchor_end = static_cast<int64_t>(kAnchor.size());
  std::vector<TokenPiece> pieces;
  for (const TokenPiece& piece : tokenizer.EncodeWithOffsets(anchored)) {
    if (piece.end <= anchor_end) continue;
    Check(piece.begin >= anchor_end,
          "needle tokens: tokenizer {} joins the text \"{}\" with the letter before it into one "
          "token; cannot tell the text's own tokens",
          DescribeTokenizer(tokenizer.Identity()), text);
    pieces.push_back({piece.id, piece.begin - anchor_end, piece.end - anchor_end});
  }
  return pieces;
}

}  // namespace

std::vector<int32_t> EncodeInContext(std::string_view text, const Tokenizer& tokenizer) {
  std::vector<int32_t> tokens;
  for (const TokenPiece& piece : PiecesInContext(text, tokenizer)) tokens.push_back(piece.id);
  return tokens;
}

NeedleTokens TokenizeNeedleText(const NeedleText& text, const Tokenizer& tokenizer) {
  NeedleTokens tokens;
  tokens.needle = EncodeInContext(text.needle, tokenizer);
  const auto key_begin = static_cast<int64_t>(text.question.size());
  for (const TokenPiece& piece : PiecesInContext(text.question + text.key, tokenizer)) {
    (piece.end > key_begin ? tokens.answer : tokens.question).push_back(piece.id);
  }
  Check(!tokens.answer.empty(), "needle tokens: the key \"{}\" has no token of its own under {}",
        text.key, DescribeTokenizer(tokenizer.Identity()));
  return tokens;
}

}  // namespace ropescale
