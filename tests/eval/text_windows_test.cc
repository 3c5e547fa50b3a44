#include "src/eval/text_windows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "src/core/error.h"
#include "src/eval/evaluation_documents.h"

namespace ropescale {
namespace {

Corpus TwoDocuments() {
  const ByteTokenizer tokenizer;
  std::string a, b;
  for (int i = 0; i < 400; ++i) a += static_cast<char>('a' + i % 26);
  for (int i = 0; i < 300; ++i) b += static_cast<char>('A' + i % 26);
  Corpus corpus;
  corpus.documents.push_back({"a", tokenizer.Encode(a)});
  corpus.documents.push_back({"b", tokenizer.Encode(b)});
  corpus.documents.push_back({"short", tokenizer.Encode("tiny")});
  return corpus;
}

bool IsSpanOf(const std::vector<int32_t>& window, const std::vector<int32_t>& document) {
  return std::search(document.begin(), document.end(), window.begin(), window.end()) !=
         document.end();
}

TEST(TextWindows, WindowsAreSpansOfLongEnoughDocumentsInTurn) {
  const Corpus corpus = TwoDocuments();
  const auto windows = MakeTextWindows(corpus, 6, 100, 5);
  ASSERT_EQ(windows.size(), 6u);
  for (size_t i = 0; i < windows.size(); ++i) {
    ASSERT_EQ(windows[i].size(), 100u);
    // The short document is skipped: windows alternate between "a" and "b".
    EXPECT_TRUE(IsSpanOf(windows[i], corpus.documents[i % 2].tokens)) << i;
  }
  const auto more = MakeTextWindows(corpus, 9, 100, 5);
  for (size_t i = 0; i < windows.size(); ++i) EXPECT_EQ(windows[i], more[i]);
  EXPECT_NE(MakeTextWindows(corpus, 6, 100, 6), windows);
  // A window as long as the document is the document.
  EXPECT_EQ(MakeTextWindows(corpus, 2, 300, 1)[1], corpus.documents[1].tokens);
  EXPECT_THROW(MakeTextWindows(corpus, 1, 401, 1), Error);
}

TEST(TextWindows, ScoredWindowsShiftTargetsAndLeaveTheLastPositionOut) {
  const auto windows = MakeTextWindows(TwoDocuments(), 3, 50, 1);
  RopeSpec rope;
  rope.head_dim = 8;
  std::vector<EvaluationDocument> documents;
  for (const auto& window : windows) documents.push_back(WindowDocument(window));
  const Batch batch = MakeDocumentBatch(std::span(documents).subspan(1, 2), rope);
  ASSERT_EQ(batch.batch_size, 2);
  ASSERT_EQ(batch.seq_len, 50);
  for (int row = 0; row < 2; ++row) {
    for (int t = 0; t < 50; ++t) {
      EXPECT_EQ(batch.tokens[row * 50 + t], windows[1 + row][t]);
      EXPECT_EQ(batch.targets[row * 50 + t], t + 1 < 50 ? windows[1 + row][t + 1] : kIgnoreTarget);
      EXPECT_EQ(batch.loss_weights[row * 50 + t], t + 1 < 50 ? 1.0f : 0.0f);
    }
  }
  ASSERT_EQ(batch.ropes.size(), 1u);
}

}  // namespace
}  // namespace ropescale
