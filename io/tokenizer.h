#pragma once
// Tokenizers behind one interface. The embedded tiny model is byte-level (vocab 256: a token is a
// byte); real models bring their own tokenizer file (Hugging Face `tokenizer.json`, SentencePiece
// `tokenizer.model`), opened by `OpenTokenizer` (io/tokenizer_registry.h).
//
// Every text here is UTF-8; offsets are byte offsets into it. Encode never adds special tokens
// (no BOS/EOS): a caller that wants them adds them.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ropescale {

// What pins down a tokenizer: token shards, evaluation-document files and checkpoints record it,
// and every reader refuses data whose tokenizer does not match the model's.
struct TokenizerIdentity {
  std::string name;  // "byte", "hf-tokenizer-json", "sentencepiece"
  int64_t vocab_size = 0;
  std::string identity;  // "sha256:<hex>" of the tokenizer file; "" for byte
  bool operator==(const TokenizerIdentity&) const = default;
};
// "byte (vocab 256)" or "hf-tokenizer-json (vocab 1000, sha256:ab12...)": for messages.
std::string DescribeTokenizer(const TokenizerIdentity& identity);

// One token of an encoding and the bytes [begin, end) of the text it stands for. Byte-level
// tokens may cover part of a multi-byte character; a library that reports character offsets may
// give the whole character to each of its tokens (ranges may then overlap); a token the
// tokenizer inserted itself (e.g. SentencePiece's lone "▁") may have begin == end.
struct TokenPiece {
  int32_t id = 0;
  int64_t begin = 0;
  int64_t end = 0;
  bool operator==(const TokenPiece&) const = default;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual int VocabSize() const = 0;
  virtual std::vector<int32_t> Encode(std::string_view text) const = 0;
  // The tokens of Encode(text) with the bytes each covers.
  virtual std::vector<TokenPiece> EncodeWithOffsets(std::string_view text) const = 0;
  virtual std::string Decode(const std::vector<int32_t>& tokens) const = 0;
  virtual TokenizerIdentity Identity() const = 0;
};

class ByteTokenizer final : public Tokenizer {
 public:
  int VocabSize() const override { return 256; }
  std::vector<int32_t> Encode(std::string_view text) const override;
  std::vector<TokenPiece> EncodeWithOffsets(std::string_view text) const override;
  std::string Decode(const std::vector<int32_t>& tokens) const override;
  TokenizerIdentity Identity() const override { return {"byte", 256, ""}; }
};

}  // namespace ropescale
