// Greedy retrieval against fake models whose next token is known: a copier that retrieves every
// key of every format, one that misses the keys starting with an odd digit (by one digit), and
// one that always writes '0'; per-document results, batch-size invariance, bad documents.
#include "src/eval/needle_retrieval.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "src/core/error.h"
#include "src/eval/evaluation_documents.h"
#include "tests/eval/eval_test_data.h"
#include "tests/eval/fake_backends.h"

namespace ropescale {
namespace {

Corpus TextCorpus() { return testing::RepeatedLinesCorpus(1); }

std::vector<NeedleDocument> Needles(int count, int length, const NeedleFormat& format = {}) {
  return MakeNeedleDocuments(TextCorpus(), count, length, 8, ByteTokenizer(), format);
}

std::vector<EvaluationDocument> Scored(const std::vector<NeedleDocument>& needles) {
  std::vector<EvaluationDocument> docs;
  for (const NeedleDocument& needle : needles) docs.push_back(ToEvaluationDocument(needle));
  return docs;
}

TEST(NeedleRetrieval, ACopierRetrievesEveryKeyOfEveryFormat) {
  for (NeedleKind kind : {NeedleKind::kPasskey, NeedleKind::kMagicNumber, NeedleKind::kKeyValue}) {
    const NeedleFormat format = DefaultNeedleFormat(kind);
    const auto docs = Scored(Needles(12, 220, format));
    testing::CopyingModel copier;
    const NeedleRetrieval result = EvaluateNeedleRetrieval(copier, docs, {}, 5);
    EXPECT_EQ(result.documents, 12);
    EXPECT_EQ(result.exact, 12) << NeedleKindName(kind);
    EXPECT_EQ(result.digits, 12 * format.digits);
    EXPECT_EQ(result.correct_digits, 12 * format.digits);
    EXPECT_DOUBLE_EQ(result.ExactFraction(), 1.0);
    ASSERT_EQ(result.per_document.size(), 12u);
    for (const DocumentRetrieval& r : result.per_document) {
      EXPECT_TRUE(r.exact);
      EXPECT_EQ(r.correct, format.digits);
      EXPECT_EQ(r.answer_tokens, format.digits);
    }
  }
}

TEST(NeedleRetrieval, PerDocumentResultsFollowTheKeys) {
  const auto needles = Needles(40, 150);
  const auto docs = Scored(needles);
  testing::CopyingModel misses_odd(true);
  const NeedleRetrieval result = EvaluateNeedleRetrieval(misses_odd, docs, {}, 7);
  int64_t even = 0;
  for (size_t d = 0; d < needles.size(); ++d) {
    const bool odd = (needles[d].key[0] - '0') % 2 == 1;
    even += !odd;
    EXPECT_EQ(result.per_document[d].exact, !odd) << needles[d].key;
    // A wrong first digit changes what the copier matches next, so only the first is known
    // to be wrong.
    if (odd) {
      EXPECT_LE(result.per_document[d].correct, 4) << needles[d].key;
    } else {
      EXPECT_EQ(result.per_document[d].correct, 5) << needles[d].key;
    }
  }
  EXPECT_GT(even, 0);
  EXPECT_LT(even, 40);
  EXPECT_EQ(result.exact, even);
  int64_t correct = 0;
  for (const DocumentRetrieval& r : result.per_document) correct += r.correct;
  EXPECT_EQ(result.correct_digits, correct);

  // The batch size changes the decoding sessions (one per batch, no full forward), not the
  // results.
  testing::CopyingModel again(true);
  const NeedleRetrieval one_row = EvaluateNeedleRetrieval(again, docs, {}, 1);
  EXPECT_EQ(again.sessions(), 40);
  EXPECT_EQ(again.forwards(), 0);
  EXPECT_EQ(one_row.exact, result.exact);
  EXPECT_EQ(one_row.correct_digits, result.correct_digits);
}

TEST(NeedleRetrieval, AModelThatAlwaysSaysZeroGetsTheZeroDigits) {
  const auto needles = Needles(40, 150);
  testing::ConstantModel zeros('0');
  const NeedleRetrieval guess = EvaluateNeedleRetrieval(zeros, Scored(needles), {}, 3);
  int64_t zero_digits = 0, all_zero_keys = 0;
  for (const NeedleDocument& doc : needles) {
    zero_digits += std::count(doc.key.begin(), doc.key.end(), '0');
    all_zero_keys += doc.key == "00000";
  }
  EXPECT_EQ(guess.correct_digits, zero_digits);
  EXPECT_EQ(guess.exact, all_zero_keys);
}

TEST(NeedleRetrieval, TheAnswerMustBeTheLastTokens) {
  testing::ConstantModel model('0');
  std::vector<EvaluationDocument> docs = Scored(Needles(1, 150));
  docs[0].loss_weights[3] = 1.0f;  // a weighted position before the answer
  EXPECT_THROW(EvaluateNeedleRetrieval(model, docs, {}, 1), Error);
  docs = Scored(Needles(1, 150));
  std::fill(docs[0].loss_weights.begin(), docs[0].loss_weights.end(), 0.0f);  // no answer
  EXPECT_THROW(EvaluateNeedleRetrieval(model, docs, {}, 1), Error);
  EXPECT_THROW(EvaluateNeedleRetrieval(model, Scored(Needles(1, 150)), {}, 0), Error);
}

TEST(NeedleRetrieval, SumRetrievalAddsInOrder) {
  const std::vector<DocumentRetrieval> parts = {{true, 5, 5}, {false, 3, 5}, {false, 0, 7}};
  const NeedleRetrieval total = SumRetrieval(parts);
  EXPECT_EQ(total.documents, 3);
  EXPECT_EQ(total.exact, 1);
  EXPECT_EQ(total.digits, 17);
  EXPECT_EQ(total.correct_digits, 8);
  EXPECT_EQ(total.per_document.size(), 3u);
}

}  // namespace
}  // namespace ropescale
