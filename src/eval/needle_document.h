#pragma once
// Needle ("pass key") documents: a span of real text of exactly T tokens with a needle sentence
// planted at some depth and the question at the end, so that the answer (the key's digits) are
// the LAST tokens of the sequence. The needle-driven loss (LongRoPE2) is the cross-entropy of
// the answer tokens only: loss_weights are 1 exactly on the target positions that predict them.
//
// Layout of one document (T tokens):
//   filler[0, depth) + needle + filler[depth, F) + question + key
// where the filler is F consecutive tokens of the source document and needle, question and key
// come from the format (src/eval/needle_format.h), tokenized in context
// (src/eval/needle_tokens.h: the key's tokens are those it has after the question), by default
//   needle   = " The pass key is 12345. Remember it. 12345 is the pass key. "
//   question = " What is the pass key? The pass key is "   (then the key "12345").
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/tokenizer.h"
#include "src/core/rng.h"
#include "src/eval/corpus.h"
#include "src/eval/needle_format.h"
#include "src/model/batch.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

struct NeedleDocument {
  std::vector<int32_t> tokens;      // [T]
  std::vector<int32_t> targets;     // [T] tokens shifted by one; targets[T-1] = kIgnoreTarget
  std::vector<float> loss_weights;  // [T] 1 at t in [answer_begin-1, T-2], else 0
  std::string key;                  // the digits
  NeedleKind kind = NeedleKind::kPasskey;
  int needle_begin = 0;  // index of the needle's first token
  int needle_end = 0;    // one past its last token
  int answer_begin = 0;  // index of the first answer token; answer = [answer_begin, T)
  int source_begin = 0;  // where the filler starts in the source document
};

// Builds one document of exactly `length` tokens from `source` (the tokens of a text).
// Draws from `rng`, in this order: the needle text (DrawNeedleText: the key's digits first), the
// filler's start in `source` (Below(|source| - F + 1)), and, unless `depth` is given, the
// needle's position inside the filler (Below(F + 1)). `depth` in [0, 1] places the needle at
// round(depth * F) instead (0 = at the start, 1 = right before the question).
// Throws Error when `length` leaves no room for filler or `source` is shorter than the filler.
NeedleDocument MakeNeedleDocument(const std::vector<int32_t>& source, int length, CounterRng& rng,
                                  const Tokenizer& tokenizer, const NeedleFormat& format = {},
                                  std::optional<double> depth = std::nullopt);

// The shortest document length that fits any draw of `format`: for the byte tokenizer its longest
// text plus one filler token; for any other a bound (one token per byte of the longest text).
int MinNeedleDocumentLength(const NeedleFormat& format, const Tokenizer& tokenizer);
// Throws Error when `length` is shorter than MinNeedleDocumentLength, naming the length, the
// format and the shortest length that fits.
void CheckNeedleDocumentLength(const NeedleFormat& format, int length, const Tokenizer& tokenizer);

// `count` documents of `length` tokens: document i is cut from corpus document
// (i mod |corpus|) with CounterRng(seed, StreamId({kNeedleStreamTag, i})), so the set is a pure
// function of (corpus, count, length, seed, format) and document i does not depend on count.
inline constexpr uint64_t kNeedleStreamTag = 0x6e65656430ull;  // "need0"
std::vector<NeedleDocument> MakeNeedleDocuments(const Corpus& corpus, int count, int length,
                                                uint64_t seed, const Tokenizer& tokenizer,
                                                const NeedleFormat& format = {});

}  // namespace ropescale
