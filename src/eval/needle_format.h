#pragma once
// The needle formats: what sentence hides the key in the filler, what question asks for it, and
// what the answer is. Each format is drawn from a CounterRng so a document is a pure function of
// its stream.
//
//   passkey       needle   " The pass key is 12345. Remember it. 12345 is the pass key. "
//                 question " What is the pass key? The pass key is "            answer "12345"
//   magic-number  (RULER's "special magic number", 7 digits by default)
//                 needle   " One of the special magic numbers for river is: 1234567. "
//                 question " What is the special magic number for river? The special magic
//                           number for river is: "                              answer "1234567"
//   kv            (key-value retrieval: `pairs` distinct words with a number each, one asked)
//                 needle   " The number of the river is 12345. The number of the candle is
//                           67890. The number of the lion is 24680. "
//                 question " What is the number of the candle? The number of the candle is "
//                                                                               answer "67890"
#include <string>
#include <string_view>
#include <vector>

#include "src/core/rng.h"

namespace ropescale {

enum class NeedleKind { kPasskey, kMagicNumber, kKeyValue };

struct NeedleFormat {
  NeedleKind kind = NeedleKind::kPasskey;
  int digits = 5;  // digits of the key (each uniform in 0-9, a leading 0 allowed), 1..18
  int pairs = 3;   // kv only: word-number pairs in the needle, 2..16
};

// "passkey", "magic-number", "kv".
std::string_view NeedleKindName(NeedleKind kind);
// Throws Error naming `field` for an unknown name.
NeedleKind ParseNeedleKind(std::string_view name, std::string_view field = "format");
// The format of `kind` with its default key length (passkey 5, magic-number 7, kv 5).
NeedleFormat DefaultNeedleFormat(NeedleKind kind);
// A comma-separated list of names, each with its default key length, or `digits` digits when
// digits > 0; no duplicates.
std::vector<NeedleFormat> ParseNeedleFormatList(std::string_view names,
                                                std::string_view field = "formats", int digits = 0);

// One drawn needle: the sentence(s) planted in the filler, the question that ends the document,
// and the key (the answer, which follows the question).
struct NeedleText {
  std::string needle;
  std::string question;
  std::string key;
};

// Draws from `rng`, in this order: the key's digits (format.digits draws of Below(10)); for
// magic-number the word (one Below); for kv the other pairs' numbers and then the words (drawn
// until distinct) and the asked pair (one Below). The passkey format draws only the digits.
// Throws Error when a field is out of range.
NeedleText DrawNeedleText(const NeedleFormat& format, CounterRng& rng);

// One of `formats` for a document that draws from `rng`: formats[0] when there is one (drawing
// nothing, so a one-format mix gives the documents the format alone gives), else one Below(n).
// Throws Error when `formats` is empty.
const NeedleFormat& PickNeedleFormat(const std::vector<NeedleFormat>& formats, CounterRng& rng);

// The longest text the format can draw (every word the longest one, the key all zeros): what a
// document must have room for.
NeedleText LongestNeedleText(const NeedleFormat& format);

// The words that name magic numbers and kv pairs (lower-case, letters only).
const std::vector<std::string>& NeedleWords();

}  // namespace ropescale
