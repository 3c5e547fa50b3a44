#pragma once
// Opening a tokenizer by what a user or a file names, and checking that data was tokenized the
// way the model reads it.
#include <memory>
#include <string>
#include <string_view>

#include "io/tokenizer.h"

namespace ropescale {

// `spec` is "byte" (ByteTokenizer), a folder holding tokenizer.json (preferred: the Hugging Face
// tokenizer, io/hf_tokenizer.h) or tokenizer.model (SentencePiece, io/sentencepiece_tokenizer.h),
// or the path of such a file. Throws Error naming `spec` when it is none of these or the file
// cannot be opened as a tokenizer.
std::unique_ptr<Tokenizer> OpenTokenizer(const std::string& spec);

// A tokenizer from a file's bytes held in memory (e.g. carried by a checkpoint). The kind comes
// from `file_name`: *.json is a Hugging Face tokenizer, *.model a SentencePiece model; any other
// name is taken as JSON when the bytes start with '{' (after white space), else SentencePiece.
std::unique_ptr<Tokenizer> OpenTokenizerFromBytes(const std::string& file_name,
                                                  std::string_view bytes);

// Throws Error naming `data_file` and both identities unless `data` (the tokenizer recorded in
// the file) equals `model` (the model's tokenizer): name, vocabulary size and identity.
void CheckSameTokenizer(const TokenizerIdentity& model, const TokenizerIdentity& data,
                        const std::string& data_file);

}  // namespace ropescale
