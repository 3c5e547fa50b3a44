#pragma once
// A needle's texts in token space: tokenized as the model sees them inside a document, not each
// on its own. A real tokenizer splits a key of digits differently in different places (LLaMA-3
// cuts digits into groups of three, SentencePiece may fuse the space before the key with its
// first digit), so the answer is "the tokens that cover the key where it follows the question",
// and only they carry loss weight.
//
//   needle   = EncodeInContext(needle text)          (the needle follows filler text)
//   question = the tokens of EncodeInContext(question + key) that end before the key's first byte
//   answer   = the rest: every token covering a byte of the key (a token holding the question's
//              last space and the key's first digit is an answer token: the model must write it)
// For the byte tokenizer this is the plain byte encoding of each text.
#include <cstdint>
#include <string_view>
#include <vector>

#include "io/tokenizer.h"
#include "src/eval/needle_format.h"

namespace ropescale {

struct NeedleTokens {
  std::vector<int32_t> needle;
  std::vector<int32_t> question;
  std::vector<int32_t> answer;
};

// The tokens of `text` as they appear after other text: Encode(anchor + text) without the tokens
// of the anchor (one letter), so a tokenizer that marks the start of a text (SentencePiece's
// dummy prefix) does not do so here. Throws Error when a token spans the anchor and the text.
std::vector<int32_t> EncodeInContext(std::string_view text, const Tokenizer& tokenizer);

// Throws Error when the key has no token of its own (nothing to score).
NeedleTokens TokenizeNeedleText(const NeedleText& text, const Tokenizer& tokenizer);

}  // namespace ropescale
