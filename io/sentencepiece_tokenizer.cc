#include "io/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <limits>

#include "io/sha256.h"
#include "io/utf8.h"
#include "src/core/error.h"

namespace ropescale {

SentencePieceTokenizer::SentencePieceTokenizer(std::string file_name, std::string_view model)
    : file_name_(std::move(file_name)),
      processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  const sentencepiece::util::Status status = processor_->LoadFromSerializedProto(model);
  Check(status.ok(), "{}: not a SentencePiece model the library can load: {}", file_name_,
        status.ToString());
  identity_ = {"sentencepiece", processor_->GetPieceSize(), "sha256:" + Sha256Hex(model)};
  Check(identity_.vocab_size > 0, "{}: the SentencePiece model has no pieces", file_name_);
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::vector<TokenPiece> SentencePieceTokenizer::EncodeWithOffsets(std::string_view text) const {
  CheckUtf8(text, file_name_);
  Check(text.size() < std::numeric_limits<uint32_t>::max(),
        "{}: a text of {} bytes is beyond SentencePiece's 32-bit offsets", file_name_, text.size());
  sentencepiece::ImmutableSentencePieceText encoded;
  const sentencepiece::util::Status status = processor_->Encode(text, encoded.mutable_proto());
  Check(status.ok(), "{}: encoding failed: {}", file_name_, status.ToString());
  std::vector<TokenPiece> pieces;
  pieces.reserve(encoded.pieces_size());
  for (const auto& piece : encoded.pieces()) {
    pieces.push_back({static_cast<int32_t>(piece.id()), piece.begin(), piece.end()});
  }
  return pieces;
}

std::vector<int32_t> SentencePieceTokenizer::Encode(std::string_view text) const {
  CheckUtf8(text, file_name_);
  std::vector<int> ids;
  const sentencepiece::util::Status status = processor_->Encode(text, &ids);
  Check(status.ok(), "{}: encoding failed: {}", file_name_, status.ToString());
  return std::vector<int32_t>(ids.begin(), ids.end());
}

std::string SentencePieceTokenizer::Decode(const std::vector<int32_t>& tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    Check(tokens[i] >= 0 && tokens[i] < identity_.vocab_size,
          "{}: token {} at index {} is outside the vocabulary of {}", file_name_, tokens[i], i,
          identity_.vocab_size);
  }
  std::string text;
  const sentencepiece::util::Status status =
      processor_->Decode(std::vector<int>(tokens.begin(), tokens.end()), &text);
  Check(status.ok(), "{}: decoding failed: {}", file_name_, status.ToString());
  return text;
}

}  // namespace ropescale
