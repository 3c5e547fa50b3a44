#include "src/eval/needle_format.h"

#include <algorithm>

#include "src/core/comma_list.h"
#include "src/core/error.h"

namespace ropescale {
namespace {

constexpr NeedleKind kAllKinds[] = {NeedleKind::kPasskey, NeedleKind::kMagicNumber,
                                    NeedleKind::kKeyValue};

std::string DrawDigits(int digits, CounterRng& rng) {
  std::string key;
  for (int i = 0; i < digits; ++i) key.push_back(static_cast<char>('0' + rng.Below(10)));
  return key;
}

const std::string& DrawWord(CounterRng& rng) {
  const std::vector<std::string>& words = NeedleWords();
  return words[rng.Below(words.size())];
}

}  // namespace

namespace {

// The texts of a format from its parts: `words` (one for magic-number, `pairs` for kv),
// `numbers` (the kv pairs' numbers; numbers[asked] is the key).
NeedleText Compose(const NeedleFormat& format, const std::string& key,
                   const std::vector<std::string>& words, const std::vector<std::string>& numbers,
                   size_t asked) {
  NeedleText text;
  text.key = key;
  switch (format.kind) {
    case NeedleKind::kPasskey:
      text.needle = fmt::format(" The pass key is {0}. Remember it. {0} is the pass key. ", key);
      text.question = " What is the pass key? The pass key is ";
      break;
    case NeedleKind::kMagicNumber:
      text.needle = fmt::format(" One of the special magic numbers for {} is: {}. ", words[0], key);
      text.question = fmt::format(
          " What is the special magic number for {0}? The special magic number for {0} is: ",
          words[0]);
      break;
    case NeedleKind::kKeyValue:
      for (size_t i = 0; i < words.size(); ++i) {
        text.needle += fmt::format(" The number of the {} is {}.", words[i], numbers[i]);
      }
      text.needle += " ";
      text.question =
          fmt::format(" What is the number of the {0}? The number of the {0} is ", words[asked]);
      break;
  }
  return text;
}

void CheckFormat(const NeedleFormat& format) {
  Check(format.digits >= 1 && format.digits <= 18, "needle format: digits = {} not in [1, 18]",
        format.digits);
  Check(format.kind != NeedleKind::kKeyValue || (format.pairs >= 2 && format.pairs <= 16),
        "needle format kv: pairs = {} not in [2, 16]", format.pairs);
}

}  // namespace

const std::vector<std::string>& NeedleWords() {
  static const std::vector<std::string> words = {
      "river",  "candle",  "lion",   "garden", "mirror", "anchor", "violet",  "falcon",
      "harbor", "lantern", "meadow", "pepper", "silver", "tiger",  "window",  "castle",
      "copper", "dragon",  "forest", "ginger", "island", "jacket", "kettle",  "ladder",
      "marble", "needle",  "orange", "pillow", "quartz", "rabbit", "saddle",  "thunder",
      "velvet", "walnut",  "yellow", "zebra",  "button", "cherry", "feather", "hammer"};
  return words;
}

std::string_view NeedleKindName(NeedleKind kind) {
  switch (kind) {
    case NeedleKind::kPasskey:
      return "passkey";
    case NeedleKind::kMagicNumber:
      return "magic-number";
    case NeedleKind::kKeyValue:
      return "kv";
  }
  return "?";
}

NeedleKind ParseNeedleKind(std::string_view name, std::string_view field) {
  for (NeedleKind kind : kAllKinds) {
    if (name == NeedleKindName(kind)) return kind;
  }
  Fail("{}: unknown needle format '{}' (expected passkey, magic-number or kv)", field, name);
}

NeedleFormat DefaultNeedleFormat(NeedleKind kind) {
  NeedleFormat format;
  format.kind = kind;
  format.digits = kind == NeedleKind::kMagicNumber ? 7 : 5;
  return format;
}

std::vector<NeedleFormat> ParseNeedleFormatList(std::string_view names, std::string_view field,
                                                int digits) {
  std::vector<NeedleFormat> formats;
  for (const std::string& name : SplitCommaList(names)) {
    const NeedleKind kind = ParseNeedleKind(name, field);
    Check(std::none_of(formats.begin(), formats.end(),
                       [kind](const NeedleFormat& f) { return f.kind == kind; }),
          "{}: format '{}' is listed twice", field, name);
    formats.push_back(DefaultNeedleFormat(kind));
    if (digits > 0) formats.back().digits = digits;
    CheckFormat(formats.back());
  }
  return formats;
}

NeedleText DrawNeedleText(const NeedleFormat& format, CounterRng& rng) {
  CheckFormat(format);
  const std::string key = DrawDigits(format.digits, rng);
  switch (format.kind) {
    case NeedleKind::kPasskey:
      return Compose(format, key, {}, {}, 0);
    case NeedleKind::kMagicNumber:
      return Compose(format, key, {DrawWord(rng)}, {}, 0);
    case NeedleKind::kKeyValue: {
      // The key first, then the other pairs' numbers, then the words (drawn until distinct),
      // then which pair the question asks for; the key moves to that pair.
      std::vector<std::string> numbers = {key};
      for (int i = 1; i < format.pairs; ++i) numbers.push_back(DrawDigits(format.digits, rng));
      std::vector<std::string> words;
      while (static_cast<int>(words.size()) < format.pairs) {
        const std::string& word = DrawWord(rng);
        if (std::find(words.begin(), words.end(), word) == words.end()) words.push_back(word);
      }
      const size_t asked = rng.Below(format.pairs);
      std::swap(numbers[0], numbers[asked]);
      return Compose(format, key, words, numbers, asked);
    }
  }
  Fail("needle format: unknown kind");
}

const NeedleFormat& PickNeedleFormat(const std::vector<NeedleFormat>& formats, CounterRng& rng) {
  Check(!formats.empty(), "needle formats: empty list");
  return formats.size() == 1 ? formats[0] : formats[rng.Below(formats.size())];
}

NeedleText LongestNeedleText(const NeedleFormat& format) {
  CheckFormat(format);
  const std::vector<std::string>& all = NeedleWords();
  const std::string longest = *std::max_element(
      all.begin(), all.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
  const int words = format.kind == NeedleKind::kKeyValue ? format.pairs : 1;
  const std::string key(format.digits, '0');
  return Compose(format, key, std::vector<std::string>(words, longest),
                 std::vector<std::string>(words, key), 0);
}

}  // namespace ropescale
