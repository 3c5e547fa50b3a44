// Needles in token space: with a tokenizer that splits digits into groups and may fuse the space
// before the key with its first digit, the answer is exactly the tokens that cover the key in
// place, only they are weighted, and the byte tokenizer's documents are unchanged.
#include "src/eval/needle_tokens.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "src/core/error.h"
#include "src/eval/evaluation_documents.h"
#include "src/eval/needle_document.h"
#include "src/eval/perplexity.h"
#include "src/model/batch.h"
#include "tests/eval/eval_test_data.h"
#include "tests/support/chunk_tokenizer.h"

namespace ropescale {
namespace {

using testing::ChunkTokenizer;

std::vector<int32_t> Source(const Tokenizer& tokenizer) {
  std::string text;
  for (int i = 0; i < 400; ++i) text += " river stone";
  return tokenizer.Encode(text);
}

NeedleText Passkey(const std::string& key) {
  return {" The pass key is " + key + ". Remember it. " + key + " is the pass key. ",
          " What is the pass key? The pass key is ", key};
}

TEST(NeedleTokens, ByteTokenizerIsThePlainEncodingOfEachText) {
  const ByteTokenizer tokenizer;
  const NeedleText text = Passkey("01234");
  const NeedleTokens tokens = TokenizeNeedleText(text, tokenizer);
  EXPECT_EQ(tokens.needle, tokenizer.Encode(text.needle));
  EXPECT_EQ(tokens.question, tokenizer.Encode(text.question));
  EXPECT_EQ(tokens.answer, tokenizer.Encode(text.key));
}

TEST(NeedleTokens, AnswerIsTheKeysTokensAfterTheQuestion) {
  const ChunkTokenizer tokenizer;
  const NeedleTokens tokens = TokenizeNeedleText(Passkey("12345"), tokenizer);
  // "12345" after the question's " is " splits " ", "123", "45": the space stays in the question.
  ASSERT_EQ(tokens.answer.size(), 2u);
  EXPECT_EQ(tokenizer.Decode(tokens.answer), "12345");
  EXPECT_EQ(tokenizer.Decode({tokens.question.back()}), " ");
  EXPECT_EQ(tokenizer.Decode(tokens.question) + "12345",
            " What is the pass key? The pass key is 12345");
}

TEST(NeedleTokens, TokenJoiningTheLastSpaceAndFirstDigitBelongsToTheAnswer) {
  const ChunkTokenizer tokenizer({.fuse_space_and_digit = true});
  const NeedleTokens tokens = TokenizeNeedleText(Passkey("12345"), tokenizer);
  // " is" then " 1", "234", "5": the model must write " 1", so it is an answer token.
  ASSERT_EQ(tokens.answer.size(), 3u);
  EXPECT_EQ(tokenizer.Decode(tokens.answer), " 12345");
  EXPECT_EQ(tokenizer.Decode({tokens.question.back()}), " is");
}

TEST(NeedleTokens, InContextEncodingDropsAStartMarker) {
  const ChunkTokenizer tokenizer({.start_marker = true});
  const std::string needle = " The pass key is 42. ";
  const std::vector<int32_t> plain = tokenizer.Encode(needle);
  const std::vector<int32_t> in_context = EncodeInContext(needle, tokenizer);
  ASSERT_EQ(plain.size(), in_context.size() + 1);  // the marker of a text's start
  EXPECT_EQ(std::vector<int32_t>(plain.begin() + 1, plain.end()), in_context);
  EXPECT_EQ(tokenizer.Decode(in_context), needle);
}

TEST(NeedleTokens, DocumentWeighsExactlyTheInContextAnswerTokens) {
  for (bool fuse : {false, true}) {
    const ChunkTokenizer tokenizer({.fuse_space_and_digit = fuse, .start_marker = true});
    const std::vector<int32_t> source = Source(tokenizer);
    for (uint64_t seed = 0; seed < 20; ++seed) {
      CounterRng rng(seed, 7);
      CounterRng same(seed, 7);
      const NeedleText drawn = DrawNeedleText(NeedleFormat{}, same);
      const NeedleDocument doc = MakeNeedleDocument(source, 300, rng, tokenizer);
      ASSERT_EQ(doc.tokens.size(), 300u);
      const NeedleTokens expected = TokenizeNeedleText(drawn, tokenizer);
      const int answer = static_cast<int>(expected.answer.size());
      EXPECT_EQ(doc.answer_begin, 300 - answer);
      EXPECT_EQ(std::vector<int32_t>(doc.tokens.end() - answer, doc.tokens.end()), expected.answer);
      // The needle sits whole at needle_begin and holds the key.
      EXPECT_EQ(std::vector<int32_t>(doc.tokens.begin() + doc.needle_begin,
                                     doc.tokens.begin() + doc.needle_end),
                expected.needle);
      // Weight 1 exactly on the positions whose target is an answer token.
      for (int t = 0; t < 300; ++t) {
        const bool predicts_answer = t >= doc.answer_begin - 1 && t < 299;
        ASSERT_EQ(doc.loss_weights[t], predicts_answer ? 1.0f : 0.0f) << "t=" << t;
      }
      // Without the needle the answer cannot be read off the document: the filler and the
      // question hold none of the key's digits.
      std::vector<int32_t> rest(doc.tokens.begin(), doc.tokens.begin() + doc.needle_begin);
      rest.insert(rest.end(), doc.tokens.begin() + doc.needle_end,
                  doc.tokens.begin() + doc.answer_begin);
      for (char c : tokenizer.Decode(rest)) EXPECT_FALSE(c >= '0' && c <= '9');
    }
  }
}

TEST(NeedleTokens, MinimumLengthBoundsEveryDrawForOtherTokenizers) {
  const ChunkTokenizer tokenizer({.fuse_space_and_digit = true, .start_marker = true});
  for (NeedleKind kind : {NeedleKind::kPasskey, NeedleKind::kMagicNumber, NeedleKind::kKeyValue}) {
    const NeedleFormat format = DefaultNeedleFormat(kind);
    const int shortest = MinNeedleDocumentLength(format, tokenizer);
    const std::vector<int32_t> source = Source(tokenizer);
    for (uint64_t seed = 0; seed < 30; ++seed) {
      CounterRng rng(seed, 3);
      const NeedleDocument doc = MakeNeedleDocument(source, shortest, rng, tokenizer, format);
      EXPECT_EQ(static_cast<int>(doc.tokens.size()), shortest);
    }
  }
  EXPECT_EQ(
      MinNeedleDocumentLength(NeedleFormat{}, ByteTokenizer()),
      static_cast<int>(Passkey("00000").needle.size() + Passkey("00000").question.size()) + 5 + 1);
}

// The needle-driven fitness scores the answer and nothing else: its weight is the answer's token
// count, changing any other target leaves the score bit-identical, changing an answer target
// changes it (the authors' released evaluator silently scores every token instead).
TEST(NeedleTokens, TheScoreIsTheLossOfTheAnswerTokensOnly) {
  const ModelConfig config = testing::TinyEvalConfig();
  auto backend = testing::TinyBackend(config, 11, 1);
  const ByteTokenizer tokenizer;
  const std::vector<int32_t> source = tokenizer.Encode(std::string(400, 'a') + "river stone");
  CounterRng rng(5, 1);
  const EvaluationDocument doc =
      ToEvaluationDocument(MakeNeedleDocument(source, 160, rng, tokenizer));
  const LossSums score = ScoreDocument(*backend, doc, config.rope);
  EXPECT_EQ(score.weight, 5.0);  // the 5 digits of the key
  EvaluationDocument other_targets = doc;
  for (size_t t = 0; t < doc.targets.size(); ++t) {
    if (doc.loss_weights[t] == 0.0f && doc.targets[t] != kIgnoreTarget) {
      other_targets.targets[t] = (doc.targets[t] + 7) % 256;
    }
  }
  const LossSums same = ScoreDocument(*backend, other_targets, config.rope);
  EXPECT_EQ(same.weighted_loss, score.weighted_loss);
  EXPECT_EQ(same.weight, score.weight);
  EvaluationDocument other_answer = doc;
  other_answer.targets[doc.targets.size() - 2] = (doc.targets[doc.targets.size() - 2] + 1) % 256;
  EXPECT_NE(ScoreDocument(*backend, other_answer, config.rope).weighted_loss, score.weighted_loss);
}

}  // namespace
}  // namespace ropescale
