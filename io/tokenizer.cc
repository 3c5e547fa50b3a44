#include "io/tokenizer.h"

#include <fmt/format.h>

#include "src/core/error.h"

namespace ropescale {

std::string DescribeTokenizer(const TokenizerIdentity& identity) {
  if (identity.identity.empty()) {
    return fmt::format("{} (vocab {})", identity.name, identity.vocab_size);
  }
  return fmt::format("{} (vocab {}, {})", identity.name, identity.vocab_size, identity.identity);
}

std::vector<int32_t> ByteTokenizer::Encode(std::string_view text) const {
  std::vector<int32_t> tokens(text.size());
  for (size_t i = 0; i < text.size(); ++i) tokens[i] = static_cast<unsigned char>(text[i]);
  return tokens;
}

std::vector<TokenPiece> ByteTokenizer::EncodeWithOffsets(std::string_view text) const {
  std::vector<TokenPiece> pieces(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    pieces[i] = {static_cast<unsigned char>(text[i]), static_cast<int64_t>(i),
                 static_cast<int64_t>(i + 1)};
  }
  return pieces;
}

std::string ByteTokenizer::Decode(const std::vector<int32_t>& tokens) const {
  std::string text(tokens.size(), '\0');
  for (size_t i = 0; i < tokens.size(); ++i) {
    Check(tokens[i] >= 0 && tokens[i] < 256, "byte tokenizer: token {} at index {} is not a byte",
          tokens[i], i);
    text[i] = static_cast<char>(tokens[i]);
  }
  return text;
}

}  // namespace ropescale
