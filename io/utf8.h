#pragma once
// UTF-8 checks and offsets for tokenizers: every text they take is UTF-8, and a library that
// counts characters (code points) needs its offsets turned into byte offsets.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace ropescale {

// The byte offset where `text` stops being valid UTF-8 (a stray or missing continuation byte,
// an overlong form, a surrogate, a code point above U+10FFFF), or nullopt when it all is.
// Valid means what Python's strict "utf-8" codec accepts.
std::optional<size_t> FirstInvalidUtf8(std::string_view text);

// Throws Error "<what>: text is not valid UTF-8 at byte N" unless FirstInvalidUtf8 is nullopt.
void CheckUtf8(std::string_view text, std::string_view what);

// For valid UTF-8 `text`: the byte offset where each code point starts, then text.size(); so
// entry c is the byte offset of character offset c (size = code points + 1).
std::vector<int64_t> CodePointByteOffsets(std::string_view text);

}  // namespace ropescale
