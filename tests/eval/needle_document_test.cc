// Needle documents: exact length, the needle and question where they belong, and the loss mask
// exactly on the answer tokens' target positions, checked on the decoded text for many lengths,
// seeds, depths and key lengths.
#include "src/eval/needle_document.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "src/core/error.h"
#include "src/eval/evaluation_documents.h"

namespace ropescale {
namespace {

std::vector<int32_t> SourceTokens(size_t size) {
  // Letters only, so digits in a document can come from the key alone.
  std::string text;
  for (size_t i = 0; text.size() < size; ++i) text += "word" + std::string(1, 'a' + i % 26) + " ";
  text.resize(size);
  return ByteTokenizer().Encode(text);
}

// Checks one document against the needle text it was drawn with, using only its decoded text.
void ExpectWellFormed(const NeedleDocument& doc, int length, const NeedleText& drawn,
                      const std::vector<int32_t>& source) {
  const ByteTokenizer tokenizer;
  ASSERT_EQ(static_cast<int>(doc.tokens.size()), length);
  ASSERT_EQ(doc.targets.size(), doc.tokens.size());
  ASSERT_EQ(doc.loss_weights.size(), doc.tokens.size());
  const std::string text = tokenizer.Decode(doc.tokens);

  ASSERT_EQ(doc.key, drawn.key);
  for (char c : doc.key) ASSERT_TRUE(c >= '0' && c <= '9') << doc.key;
  // The document ends with the question and then the key.
  const std::string ending = drawn.question + doc.key;
  ASSERT_GE(text.size(), ending.size());
  EXPECT_EQ(text.substr(text.size() - ending.size()), ending);
  // The needle sentence sits at needle_begin.
  EXPECT_EQ(text.substr(doc.needle_begin, drawn.needle.size()), drawn.needle);
  EXPECT_EQ(doc.needle_end - doc.needle_begin, static_cast<int>(drawn.needle.size()));
  // Everything else is one contiguous span of the source, split around the needle.
  const int filler = length - static_cast<int>(drawn.needle.size() + ending.size());
  std::vector<int32_t> filler_tokens(doc.tokens.begin(), doc.tokens.begin() + doc.needle_begin);
  filler_tokens.insert(filler_tokens.end(), doc.tokens.begin() + doc.needle_end,
                       doc.tokens.begin() + doc.needle_end + (filler - doc.needle_begin));
  ASSERT_EQ(static_cast<int>(filler_tokens.size()), filler);
  EXPECT_TRUE(
      std::equal(filler_tokens.begin(), filler_tokens.end(), source.begin() + doc.source_begin));

  // Targets are the next tokens; the last position has none.
  for (int t = 0; t + 1 < length; ++t) ASSERT_EQ(doc.targets[t], doc.tokens[t + 1]);
  EXPECT_EQ(doc.targets[length - 1], kIgnoreTarget);
  // The mask: weight 1 exactly where the target is one of the final key's characters.
  const int first_answer = length - static_cast<int>(drawn.key.size());
  EXPECT_EQ(doc.answer_begin, first_answer);
  std::string masked_targets;
  for (int t = 0; t < length; ++t) {
    const bool on_answer = t >= first_answer - 1 && t <= length - 2;
    ASSERT_EQ(doc.loss_weights[t], on_answer ? 1.0f : 0.0f) << "position " << t;
    if (doc.loss_weights[t] != 0.0f) masked_targets.push_back(static_cast<char>(doc.targets[t]));
  }
  EXPECT_EQ(masked_targets, doc.key);
}

// The needle text MakeNeedleDocument draws first from CounterRng(seed, stream).
NeedleText DrawnWith(const NeedleFormat& format, uint64_t seed, uint64_t stream) {
  CounterRng rng(seed, stream);
  return DrawNeedleText(format, rng);
}

// Tokens of needle + question + key for a format (the same for every draw of the format).
int FixedTokens(const NeedleFormat& format) {
  const NeedleText text = DrawnWith(format, 0, 0);
  return static_cast<int>(text.needle.size() + text.question.size() + text.key.size());
}

TEST(NeedleDocument, MaskSitsExactlyOnTheAnswerForManyLengthsSeedsDepthsAndFormats) {
  const ByteTokenizer tokenizer;
  const std::vector<int32_t> source = SourceTokens(5000);
  std::vector<NeedleFormat> formats;
  for (int digits : {1, 3, 5, 8}) {
    for (NeedleKind kind :
         {NeedleKind::kPasskey, NeedleKind::kMagicNumber, NeedleKind::kKeyValue}) {
      NeedleFormat format = DefaultNeedleFormat(kind);
      format.digits = digits;
      formats.push_back(format);
    }
  }
  for (const NeedleFormat& format : formats) {
    // Words differ in length, so the fixed part varies by a few tokens between draws: +40
    // leaves room for any draw.
    const int fixed = FixedTokens(format);
    for (int length : {fixed + 40, fixed + 57, 256 + fixed, 1000}) {
      for (uint64_t seed = 0; seed < 12; ++seed) {
        CounterRng rng(seed, 7);
        ExpectWellFormed(MakeNeedleDocument(source, length, rng, tokenizer, format), length,
                         DrawnWith(format, seed, 7), source);
      }
      for (double depth : {0.0, 0.25, 0.5, 1.0}) {
        CounterRng rng(3, 9);
        ExpectWellFormed(MakeNeedleDocument(source, length, rng, tokenizer, format, depth), length,
                         DrawnWith(format, 3, 9), source);
      }
    }
  }
}

TEST(NeedleDocument, TheShortestLengthLeavesOneFillerToken) {
  const ByteTokenizer tokenizer;
  const std::vector<int32_t> source = SourceTokens(3000);
  const NeedleFormat format;
  const int fixed = FixedTokens(format);
  CounterRng ok(1, 1), too_short(1, 1);
  ExpectWellFormed(MakeNeedleDocument(source, fixed + 1, ok, tokenizer, format), fixed + 1,
                   DrawnWith(format, 1, 1), source);
  EXPECT_THROW(MakeNeedleDocument(source, fixed, too_short, tokenizer, format), Error);
}

TEST(NeedleDocument, DepthPlacesTheNeedle) {
  const ByteTokenizer tokenizer;
  const std::vector<int32_t> source = SourceTokens(3000);
  const NeedleFormat format;
  const int length = 500;
  const NeedleText drawn = DrawnWith(format, 1, 1);
  const int filler = length - FixedTokens(format);
  CounterRng a(1, 1), b(1, 1), c(1, 1);
  EXPECT_EQ(MakeNeedleDocument(source, length, a, tokenizer, format, 0.0).needle_begin, 0);
  const NeedleDocument end = MakeNeedleDocument(source, length, b, tokenizer, format, 1.0);
  EXPECT_EQ(end.needle_begin, filler);
  EXPECT_EQ(end.needle_end, length - static_cast<int>(drawn.question.size()) - 5);
  EXPECT_EQ(MakeNeedleDocument(source, length, c, tokenizer, format, 0.5).needle_begin,
            (filler + 1) / 2);
}

TEST(NeedleDocument, SameRngSameDocumentAndKeysVary) {
  const ByteTokenizer tokenizer;
  const std::vector<int32_t> source = SourceTokens(4000);
  CounterRng a(42, 5), b(42, 5);
  const NeedleDocument first = MakeNeedleDocument(source, 300, a, tokenizer);
  const NeedleDocument second = MakeNeedleDocument(source, 300, b, tokenizer);
  EXPECT_EQ(first.tokens, second.tokens);
  EXPECT_EQ(first.key, second.key);
  std::set<std::string> keys;
  std::set<int> depths;
  std::set<char> digits_seen;
  for (uint64_t i = 0; i < 200; ++i) {
    CounterRng rng(42, i);
    const NeedleDocument doc = MakeNeedleDocument(source, 300, rng, tokenizer);
    keys.insert(doc.key);
    depths.insert(doc.needle_begin);
    for (char c : doc.key) digits_seen.insert(c);
  }
  EXPECT_GT(keys.size(), 190u);
  EXPECT_GT(depths.size(), 50u);
  EXPECT_EQ(digits_seen.size(), 10u);
}

TEST(NeedleDocument, RejectsTooShortLengthOrSource) {
  const ByteTokenizer tokenizer;
  CounterRng rng(1, 1);
  EXPECT_THROW(MakeNeedleDocument(SourceTokens(1000), 60, rng, tokenizer), Error);
  EXPECT_THROW(MakeNeedleDocument(SourceTokens(50), 400, rng, tokenizer), Error);
  NeedleFormat format;
  format.digits = 0;
  EXPECT_THROW(MakeNeedleDocument(SourceTokens(1000), 300, rng, tokenizer, format), Error);
}

TEST(NeedleDocument, SetIsAPureFunctionAndRoundRobinsDocuments) {
  const ByteTokenizer tokenizer;
  Corpus corpus;
  corpus.documents.push_back({"a", SourceTokens(2000)});
  corpus.documents.push_back({"b", tokenizer.Encode(std::string(2000, 'x'))});
  const auto three = MakeNeedleDocuments(corpus, 3, 200, 9, tokenizer);
  const auto five = MakeNeedleDocuments(corpus, 5, 200, 9, tokenizer);
  ASSERT_EQ(three.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(three[i].tokens, five[i].tokens);
  // Document 1 comes from "b" (all 'x' filler), document 0 from "a".
  EXPECT_EQ(five[1].tokens[five[1].needle_end], 'x');
  EXPECT_NE(five[0].tokens[five[0].needle_end], 'x');
  EXPECT_NE(MakeNeedleDocuments(corpus, 1, 200, 10, tokenizer)[0].tokens, five[0].tokens);
}

TEST(NeedleDocument, BatchCopiesRowsAndWeights) {
  const ByteTokenizer tokenizer;
  Corpus corpus;
  corpus.documents.push_back({"a", SourceTokens(2000)});
  const auto docs = MakeNeedleDocuments(corpus, 4, 150, 1, tokenizer);
  std::vector<EvaluationDocument> scored;
  for (const NeedleDocument& doc : docs) scored.push_back(ToEvaluationDocument(doc));
  RopeSpec rope;
  rope.head_dim = 8;
  const Batch batch = MakeDocumentBatch(std::span(scored).subspan(1, 2), rope);
  EXPECT_EQ(batch.batch_size, 2);
  EXPECT_EQ(batch.seq_len, 150);
  ASSERT_EQ(batch.tokens.size(), 300u);
  EXPECT_TRUE(std::equal(docs[2].tokens.begin(), docs[2].tokens.end(), batch.tokens.begin() + 150));
  EXPECT_TRUE(std::equal(docs[1].loss_weights.begin(), docs[1].loss_weights.end(),
                         batch.loss_weights.begin()));
  EXPECT_TRUE(
      std::equal(docs[2].targets.begin(), docs[2].targets.end(), batch.targets.begin() + 150));
  scored[3].tokens.pop_back();
  EXPECT_THROW(MakeDocumentBatch(scored, rope), Error);
  EXPECT_THROW(MakeDocumentBatch({}, rope), Error);
}

}  // namespace
}  // namespace ropescale
