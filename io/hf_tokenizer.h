#pragma once
// A Hugging Face `tokenizer.json` (byte-level BPE as LLaMA-3's and GPT-2's, SentencePiece-style
// Metaspace BPE as LLaMA-2's, Mistral's and Phi-3's, or anything else the library reads),
// tokenized by the PyPI `tokenizers` package itself, so ropescale's tokens are the library's.
//
// Each HfTokenizer runs one Python child process, io/hf_tokenizer_server.py (embedded in the
// binary, run as `PYTHON -c <script>`), started with posix_spawn and spoken to over pipes:
//   frame = kind (1 byte) | n (u64 LE) | payload (n bytes), both ways
//   'L' tokenizer.json bytes -> i64 vocab_size, `tokenizers` version   (once, at construction)
//   'E' UTF-8 text           -> i64 count, count x i32 ids, count x (i64 begin, i64 end) in chars
//   'D' count x i32 ids      -> UTF-8 text
//   '!' <message> replaces any reply whose request failed (the child keeps serving)
// The script's header holds the details. The character offsets are turned into byte offsets
// here. The calls are thread-safe (one request at a time); the destructor ends the child.
//
// PYTHON: the environment variable ROPESCALE_TOKENIZER_PYTHON, else the repository's
// `.venv/bin/python3` that env/install-deps.sh makes (with `tokenizers`) when it exists, else
// /usr/bin/python3.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "io/tokenizer.h"

namespace ropescale {

class ChildProcess;

// The interpreter an HfTokenizer runs, by the rule above.
std::string TokenizerPython();

class HfTokenizer final : public Tokenizer {
 public:
  // `json` is the content of a tokenizer.json; `file_name` names it in messages (it need not
  // exist: a checkpoint may carry the bytes). Starts the child and loads the tokenizer; throws
  // Error naming the file, the interpreter and the fix when the interpreter or its `tokenizers`
  // module is missing, or when the library refuses the JSON.
  HfTokenizer(std::string file_name, std::string_view json, std::string python = TokenizerPython());
  ~HfTokenizer() override;

  int VocabSize() const override { return static_cast<int>(identity_.vocab_size); }
  std::vector<int32_t> Encode(std::string_view text) const override;
  std::vector<TokenPiece> EncodeWithOffsets(std::string_view text) const override;
  std::string Decode(const std::vector<int32_t>& tokens) const override;
  // name "hf-tokenizer-json", the vocabulary with the added tokens, sha256 of the JSON bytes.
  TokenizerIdentity Identity() const override { return identity_; }
  // The `tokenizers` version the child runs (e.g. "0.23.3").
  const std::string& LibraryVersion() const { return library_version_; }

 private:
  // Sends one request and returns its reply's payload; throws Error naming `what` for a '!'
  // reply, or for a dead child (after which every call throws).
  std::string Request(char kind, std::string_view payload, const char* what) const;
  [[noreturn]] void ChildFailed(const std::string& what) const;

  std::string file_name_;
  std::string python_;
  TokenizerIdentity identity_;
  std::string library_version_;
  mutable std::mutex mutex_;
  mutable std::unique_ptr<ChildProcess> child_;  // null once it failed
};

}  // namespace ropescale
