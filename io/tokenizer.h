#pragma once
// Tokenizers. The embedded tiny model is byte-level (vocab 256): a token is a byte.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ropescale {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual int VocabSize() const = 0;
  virtual std::vector<int32_t> Encode(std::string_view text) const = 0;
  virtual std::string Decode(const std::vector<int32_t>& tokens) const = 0;
};

class ByteTokenizer final : public Tokenizer {
 public:
  int VocabSize() const override { return 256; }
  std::vector<int32_t> Encode(std::string_view text) const override;
  std::string Decode(const std::vector<int32_t>& tokens) const override;
};

}  // namespace ropescale
