#pragma once
// A SentencePiece `tokenizer.model` (LLaMA-2, Mistral, Phi-3 ship one), run natively by the
// SentencePiece library (Debian's libsentencepiece-dev), so ropescale's tokens are the library's.
// Offsets are the byte ranges of the text its pieces stand for (SentencePieceText's begin/end):
// the dummy-prefix "▁" and byte-fallback pieces after the first of a character may be empty.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace ropescale {

class SentencePieceTokenizer final : public Tokenizer {
 public:
  // `model` is the serialized model (the bytes of a tokenizer.model); `file_name` names it in
  // messages (it need not exist: a checkpoint may carry the bytes). Throws Error naming it when
  // the library refuses the bytes.
  SentencePieceTokenizer(std::string file_name, std::string_view model);
  ~SentencePieceTokenizer() override;

  int VocabSize() const override { return static_cast<int>(identity_.vocab_size); }
  std::vector<int32_t> Encode(std::string_view text) const override;
  std::vector<TokenPiece> EncodeWithOffsets(std::string_view text) const override;
  std::string Decode(const std::vector<int32_t>& tokens) const override;
  // name "sentencepiece", the number of pieces, sha256 of the model bytes.
  TokenizerIdentity Identity() const override { return identity_; }

 private:
  std::string file_name_;
  TokenizerIdentity identity_;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
};

}  // namespace ropescale
