#include "io/hf_tokenizer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "io/hf_tokenizer_server_script.h"  // generated: kHfTokenizerServerScript, kVenvPython
#include "io/sha256.h"
#include "io/utf8.h"
#include "src/core/child_process.h"
#include "src/core/error.h"

namespace ropescale {
namespace {

constexpr size_t kHeaderSize = 9;  // kind + u64 length
constexpr const char* kSystemPython = "/usr/bin/python3";

std::string FixHint() {
  return "to fix: run `bash env/install-deps.sh` (it makes the repository's .venv with the "
         "`tokenizers` package), or set ROPESCALE_TOKENIZER_PYTHON to a python3 that has "
         "`tokenizers` (pip install tokenizers)";
}

template <typename T>
T ReadScalar(const char* data) {
  T value;
  std::memcpy(&value, data, sizeof(T));
  return value;
}

bool IsAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

std::string TokenizerPython() {
  const char* chosen = std::getenv("ROPESCALE_TOKENIZER_PYTHON");
  if (chosen != nullptr && chosen[0] != '\0') return chosen;
  if (access(kVenvPython, X_OK) == 0) return kVenvPython;
  return kSystemPython;
}

HfTokenizer::HfTokenizer(std::string file_name, std::string_view json, std::string python)
    : file_name_(std::move(file_name)), python_(std::move(python)) {
  try {
    child_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{python_, "-c", kHfTokenizerServerScript});
  } catch (const Error& e) {
    Fail("{}: cannot run the Hugging Face tokenizer: {}; {}", file_name_, e.what(), FixHint());
  }
  const std::string reply = Request('L', json, "loading it with the `tokenizers` library");
  Check(reply.size() >= 8, "{}: the tokenizer process ({}) sent a short 'L' reply", file_name_,
        python_);
  const auto vocab_size = ReadScalar<int64_t>(reply.data());
  Check(vocab_size > 0 && vocab_size <= INT32_MAX, "{}: vocabulary size {} is out of range",
        file_name_, vocab_size);
  library_version_ = reply.substr(8);
  identity_ = {"hf-tokenizer-json", vocab_size, "sha256:" + Sha256Hex(json)};
}

HfTokenizer::~HfTokenizer() = default;

void HfTokenizer::ChildFailed(const std::string& what) const {
  const std::string how = child_->WaitForExit(std::chrono::seconds(2));
  child_.reset();
  Fail("{}: the tokenizer process ({}) {} and {}; {}", file_name_, python_, what, how, FixHint());
}

std::string HfTokenizer::Request(char kind, std::string_view payload, const char* what) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Check(child_ != nullptr, "{}: the tokenizer process ({}) has failed before; {}", file_name_,
        python_, FixHint());
  char header[kHeaderSize];
  header[0] = kind;
  const uint64_t size = payload.size();
  std::memcpy(header + 1, &size, sizeof(size));
  if (!child_->Write(std::string_view(header, kHeaderSize)) || !child_->Write(payload))
    ChildFailed("stopped reading");
  if (!child_->Read(header, kHeaderSize)) ChildFailed("closed its output");
  const char reply_kind = header[0];
  if (reply_kind != kind && reply_kind != '!') {
    child_.reset();
    Fail("{}: the tokenizer process ({}) broke the protocol (reply '{}' to '{}')", file_name_,
         python_, reply_kind, kind);
  }
  std::string reply(ReadScalar<uint64_t>(header + 1), '\0');
  if (!child_->Read(reply.data(), reply.size())) ChildFailed("closed its output");
  if (reply_kind == '!') {
    // A server without the `tokenizers` module answers with Python's ModuleNotFoundError.
    if (reply.starts_with("ModuleNotFoundError"))
      Fail("{}: {} with {} failed: {}; {}", file_name_, what, python_, reply, FixHint());
    Fail("{}: {} failed: {}", file_name_, what, reply);
  }
  return reply;
}

std::vector<TokenPiece> HfTokenizer::EncodeWithOffsets(std::string_view text) const {
  CheckUtf8(text, file_name_);
  const std::string reply = Request('E', text, "encoding");
  Check(reply.size() >= 8, "{}: short encode reply", file_name_);
  const auto count = ReadScalar<int64_t>(reply.data());
  Check(count >= 0 && reply.size() == 8 + static_cast<uint64_t>(count) * 20,
        "{}: encode reply of {} bytes does not hold {} tokens", file_name_, reply.size(), count);
  const char* ids = reply.data() + 8;
  const char* offsets = ids + 4 * count;

  // The library counts characters; the interface speaks bytes.
  std::vector<int64_t> byte_of_char;
  const bool ascii = IsAscii(text);
  if (!ascii) byte_of_char = CodePointByteOffsets(text);
  const int64_t characters =
      ascii ? static_cast<int64_t>(text.size()) : static_cast<int64_t>(byte_of_char.size()) - 1;
  std::vector<TokenPiece> pieces(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    TokenPiece& piece = pieces[static_cast<size_t>(i)];
    piece.id = ReadScalar<int32_t>(ids + 4 * i);
    const auto begin = ReadScalar<int64_t>(offsets + 16 * i);
    const auto end = ReadScalar<int64_t>(offsets + 16 * i + 8);
    Check(piece.id >= 0 && piece.id < identity_.vocab_size && 0 <= begin && begin <= end &&
              end <= characters,
          "{}: token {} (id {}, characters [{}, {})) is outside the vocabulary or the text of {} "
          "characters",
          file_name_, i, piece.id, begin, end, characters);
    piece.begin = ascii ? begin : byte_of_char[static_cast<size_t>(begin)];
    piece.end = ascii ? end : byte_of_char[static_cast<size_t>(end)];
  }
  return pieces;
}

std::vector<int32_t> HfTokenizer::Encode(std::string_view text) const {
  const std::vector<TokenPiece> pieces = EncodeWithOffsets(text);
  std::vector<int32_t> ids(pieces.size());
  std::transform(pieces.begin(), pieces.end(), ids.begin(),
                 [](const TokenPiece& piece) { return piece.id; });
  return ids;
}

std::string HfTokenizer::Decode(const std::vector<int32_t>& tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    Check(tokens[i] >= 0 && tokens[i] < identity_.vocab_size,
          "{}: token {} at index {} is outside the vocabulary of {}", file_name_, tokens[i], i,
          identity_.vocab_size);
  }
  return Request('D',
                 std::string_view(reinterpret_cast<const char*>(tokens.data()),
                                  tokens.size() * sizeof(int32_t)),
                 "decoding");
}

}  // namespace ropescale
