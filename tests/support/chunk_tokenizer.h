#pragma once
// A small word-level tokenizer for tests, shaped like real ones where it matters to needle
// documents: a word token carries its leading space (" pass"), digits come in groups of three
// ("12345" -> "123", "45") with the space before them a token of its own, as LLaMA-3 splits
// them; optionally the space is fused with the first digit (" 1", "234", "5": SentencePiece-like)
// and optionally a zero-width marker starts every encoding (a dummy prefix). Ids are given in the
// order pieces are first seen; Decode joins the pieces back.
#include <cctype>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "io/tokenizer.h"

namespace ropescale::testing {

struct ChunkTokenizerOptions {
  bool fuse_space_and_digit = false;
  bool start_marker = false;
};

class ChunkTokenizer final : public Tokenizer {
 public:
  explicit ChunkTokenizer(ChunkTokenizerOptions options = {}) : options_(options) { Id("<start>"); }
  int VocabSize() const override { return 100000; }
  std::vector<int32_t> Encode(std::string_view text) const override {
    std::vector<int32_t> ids;
    for (const TokenPiece& piece : EncodeWithOffsets(text)) ids.push_back(piece.id);
    return ids;
  }
  std::vector<TokenPiece> EncodeWithOffsets(std::string_view text) const override {
    std::vector<TokenPiece> pieces;
    if (options_.start_marker) pieces.push_back({Id("<start>"), 0, 0});
    const auto digit = [&](size_t i) {
      return i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]));
    };
    const auto letter = [&](size_t i) {
      return i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]));
    };
    size_t i = 0;
    while (i < text.size()) {
      size_t end = i + 1;
      if (text[i] == ' ' && letter(i + 1)) {
        while (letter(end)) ++end;
      } else if (text[i] == ' ' && digit(i + 1) && options_.fuse_space_and_digit) {
        end = i + 2;
      } else if (digit(i)) {
        while (digit(end) && end < i + 3) ++end;
      } else if (letter(i)) {
        while (letter(end)) ++end;
      }
      pieces.push_back({Id(std::string(text.substr(i, end - i))), static_cast<int64_t>(i),
                        static_cast<int64_t>(end)});
      i = end;
    }
    return pieces;
  }
  std::string Decode(const std::vector<int32_t>& tokens) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string text;
    for (int32_t id : tokens) {
      if (pieces_.at(id) != "<start>") text += pieces_.at(id);
    }
    return text;
  }
  TokenizerIdentity Identity() const override { return {"test-chunks", VocabSize(), "chunks"}; }

 private:
  int32_t Id(const std::string& piece) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto [it, inserted] = ids_.emplace(piece, static_cast<int32_t>(pieces_.size()));
    if (inserted) pieces_.push_back(piece);
    return it->second;
  }
  ChunkTokenizerOptions options_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, int32_t> ids_;
  mutable std::vector<std::string> pieces_;
};

}  // namespace ropescale::testing
