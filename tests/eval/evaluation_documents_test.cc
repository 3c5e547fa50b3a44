#include "src/eval/evaluation_documents.h"

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "src/eval/needle_document.h"

namespace ropescale {
namespace {

Corpus SyntheticCorpus() {
  Corpus corpus;
  for (int d = 0; d < 2; ++d) {
    Document doc;
    doc.name = "doc" + std::to_string(d);
    for (int t = 0; t < 3000; ++t) doc.tokens.push_back('a' + (t * (d + 3)) % 26);
    corpus.documents.push_back(doc);
  }
  return corpus;
}

TEST(EvaluationDocuments, NeedleDocumentsScoreOnlyTheAnswerDigits) {
  const ByteTokenizer tokenizer;
  const auto docs =
      BuildEvaluationDocuments(FitnessKind::kNeedle, SyntheticCorpus(), 3, 512, 7, tokenizer);
  ASSERT_EQ(docs.size(), 3u);
  for (const auto& doc : docs) {
    ASSERT_EQ(doc.tokens.size(), 512u);
    ASSERT_EQ(doc.targets.size(), 512u);
    ASSERT_EQ(doc.loss_weights.size(), 512u);
    double weight = 0;
    for (int t = 0; t < 512; ++t) {
      weight += doc.loss_weights[t];
      if (doc.loss_weights[t] > 0) {
        EXPECT_GE(t, 512 - 6);  // the 5 key digits are predicted from positions 506..510
        EXPECT_GE(doc.targets[t], '0');
        EXPECT_LE(doc.targets[t], '9');
      }
    }
    EXPECT_EQ(weight, 5.0);
  }
  // The same as eval's needle documents for the same seed (the log stores exactly these).
  const auto needles = MakeNeedleDocuments(SyntheticCorpus(), 3, 512, 7, tokenizer);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(docs[i].tokens, needles[i].tokens);
}

TEST(EvaluationDocuments, PerplexityWindowsScoreEveryNextToken) {
  const ByteTokenizer tokenizer;
  const auto docs =
      BuildEvaluationDocuments(FitnessKind::kPerplexity, SyntheticCorpus(), 2, 100, 7, tokenizer);
  ASSERT_EQ(docs.size(), 2u);
  for (const auto& doc : docs) {
    for (int t = 0; t + 1 < 100; ++t) {
      EXPECT_EQ(doc.targets[t], doc.tokens[t + 1]);
      EXPECT_EQ(doc.loss_weights[t], 1.0f);
    }
    EXPECT_EQ(doc.targets[99], -1);
    EXPECT_EQ(doc.loss_weights[99], 0.0f);
  }
  EXPECT_THROW(ParseFitnessKind("bleu"), Error);
}

}  // namespace
}  // namespace ropescale
