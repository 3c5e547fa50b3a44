#include "src/eval/needle_document.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"
#include "src/eval/needle_tokens.h"

namespace ropescale {
namespace {

std::vector<int32_t> Concat(std::initializer_list<const std::vector<int32_t>*> parts) {
  std::vector<int32_t> out;
  for (const auto* part : parts) out.insert(out.end(), part->begin(), part->end());
  return out;
}

}  // namespace

NeedleDocument MakeNeedleDocument(const std::vector<int32_t>& source, int length, CounterRng& rng,
                                  const Tokenizer& tokenizer, const NeedleFormat& format,
                                  std::optional<double> depth) {
  NeedleDocument doc;
  const NeedleText text = DrawNeedleText(format, rng);
  doc.key = text.key;
  doc.kind = format.kind;

  const NeedleTokens pieces = TokenizeNeedleText(text, tokenizer);
  const std::vector<int32_t>& needle = pieces.needle;
  const std::vector<int32_t>& question = pieces.question;
  const std::vector<int32_t>& answer = pieces.answer;
  const int64_t fixed = static_cast<int64_t>(needle.size() + question.size() + answer.size());
  const int64_t filler = length - fixed;
  Check(filler >= 1,
        "needle document: length {} leaves no room for filler ({} tokens of needle, "
        "question and answer)",
        length, fixed);
  Check(static_cast<int64_t>(source.size()) >= filler,
        "needle document: source has {} tokens, fewer than the {} of filler for length {}",
        source.size(), filler, length);

  doc.source_begin = static_cast<int>(rng.Below(source.size() - filler + 1));
  int64_t position = 0;
  if (depth) {
    Check(*depth >= 0.0 && *depth <= 1.0, "needle document: depth {} not in [0, 1]", *depth);
    position = std::llround(*depth * static_cast<double>(filler));
  } else {
    position = static_cast<int64_t>(rng.Below(filler + 1));
  }

  const auto filler_begin = source.begin() + doc.source_begin;
  const std::vector<int32_t> before(filler_begin, filler_begin + position);
  const std::vector<int32_t> after(filler_begin + position, filler_begin + filler);
  doc.tokens = Concat({&before, &needle, &after, &question, &answer});
  doc.needle_begin = static_cast<int>(position);
  doc.needle_end = static_cast<int>(position + needle.size());
  doc.answer_begin = static_cast<int>(length - answer.size());

  doc.targets.assign(length, kIgnoreTarget);
  std::copy(doc.tokens.begin() + 1, doc.tokens.end(), doc.targets.begin());
  doc.loss_weights.assign(length, 0.0f);
  for (int t = doc.answer_begin - 1; t < length - 1; ++t) doc.loss_weights[t] = 1.0f;
  return doc;
}

int MinNeedleDocumentLength(const NeedleFormat& format, const Tokenizer& tokenizer) {
  const NeedleText text = LongestNeedleText(format);
  const NeedleTokens tokens = TokenizeNeedleText(text, tokenizer);
  const auto drawn =
      static_cast<int>(tokens.needle.size() + tokens.question.size() + tokens.answer.size());
  if (tokenizer.Identity().name == ByteTokenizer().Identity().name) return drawn + 1;
  // Another draw of the key may split into more tokens than the longest text's zeros: bound
  // every draw by one token per byte plus one inserted marker per piece.
  const auto bytes = static_cast<int>(text.needle.size() + text.question.size() + text.key.size());
  return std::max(drawn, bytes + 3) + 1;
}

void CheckNeedleDocumentLength(const NeedleFormat& format, int length, const Tokenizer& tokenizer) {
  const int shortest = MinNeedleDocumentLength(format, tokenizer);
  Check(length >= shortest,
        "needle documents: length {} is too short for format {} ({} digits): it needs at least {} "
        "tokens",
        length, NeedleKindName(format.kind), format.digits, shortest);
}

std::vector<NeedleDocument> MakeNeedleDocuments(const Corpus& corpus, int count, int length,
                                                uint64_t seed, const Tokenizer& tokenizer,
                                                const NeedleFormat& format) {
  Check(!corpus.documents.empty(), "needle documents: empty corpus");
  std::vector<NeedleDocument> documents;
  documents.reserve(count);
  for (int i = 0; i < count; ++i) {
    CounterRng rng(seed, StreamId({kNeedleStreamTag, static_cast<uint64_t>(i)}));
    const Document& source = corpus.documents[i % corpus.documents.size()];
    documents.push_back(MakeNeedleDocument(source.tokens, length, rng, tokenizer, format));
  }
  return documents;
}

}  // namespace ropescale
