#pragma once
// Shared helpers for the tokenizer tests: the trained fixtures (tests/fixtures/tokenizers), the
// corpus, a multilingual sample, and running the libraries' own tools.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "io/tokenizer.h"
#include "src/core/read_file.h"

namespace ropescale::testing {

// The repository: $ROPESCALE_SOURCE_DIR (set by CTest), else two folders above this file.
inline std::filesystem::path SourceDir() {
  if (const char* root = std::getenv("ROPESCALE_SOURCE_DIR")) return root;
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

// tests/fixtures/tokenizers/<relative>, e.g. "byte-level-bpe/tokenizer.json".
inline std::string TokenizerFixture(const std::string& relative) {
  return (SourceDir() / "tests" / "fixtures" / "tokenizers" / relative).string();
}

// Every *.txt of data/corpus/train and data/corpus/heldout, sorted.
inline std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  for (const char* part : {"train", "heldout"}) {
    for (const auto& entry :
         std::filesystem::directory_iterator(SourceDir() / "data" / "corpus" / part)) {
      if (entry.path().extension() == ".txt") files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Text the ASCII corpus lacks: 2-, 3- and 4-byte characters, tabs, CR LF, runs of spaces,
// digits, and strings that look like special tokens.
inline std::string MultilingualSample() {
  return "Naïve café — Ελληνικά, русский, 日本語の文章 and emoji "
         "🎉🙂.\r\n"
         "\tTabs,  two  spaces,   three; digits 1234567 and 3.14159.\n\n"
         "<s> not a BOS, <|end_of_text|> is an added token, <0x41> is text.\n"
         "  leading spaces, trailing spaces  \n"
         "Ünïcödé ẞ ﬁ ﬂ — “quotes” ‘and’ … ellipsis";
}

// Runs a shell command; its exit status (0 = success).
inline int Run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The standard output of a shell command (fails the test when it exits non-zero).
inline std::string Capture(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return output;
  }
  char buffer[65536];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "failed: " << command;
  return output;
}

// "sha256:<hex>" by the coreutils sha256sum, independent of ropescale's hashing.
inline std::string Sha256sumOf(const std::string& path) {
  return "sha256:" + Capture("sha256sum '" + path + "'").substr(0, 64);
}

// Every byte of `text` is covered: each piece starts where the previous ended, or shares the
// previous piece's range (byte-level pieces of one character), or is empty (a marker the
// tokenizer inserted); the last ends at the text's end.
inline void ExpectPiecesCoverText(const std::vector<TokenPiece>& pieces, std::string_view text,
                                  const std::string& where) {
  int64_t covered = 0;
  int64_t previous_begin = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const TokenPiece& p = pieces[i];
    const bool abuts = p.begin == covered;
    const bool shares = p.begin == previous_begin && p.end == covered;
    const bool empty = p.begin == p.end && p.begin == covered;
    ASSERT_TRUE(abuts || shares || empty)
        << where << ": piece " << i << " [" << p.begin << ", " << p.end << ") after " << covered;
    ASSERT_LE(p.begin, p.end) << where << ": piece " << i;
    previous_begin = p.begin;
    covered = std::max(covered, p.end);
  }
  EXPECT_EQ(covered, static_cast<int64_t>(text.size())) << where;
}

}  // namespace ropescale::testing
