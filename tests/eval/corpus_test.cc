#include "src/eval/corpus.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "src/core/error.h"

namespace ropescale {
namespace {

namespace fs = std::filesystem;

fs::path FreshFolder(const std::string& name) {
  const fs::path folder = fs::temp_directory_path() / ("ropescale_corpus_test_" + name);
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

void WriteFile(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

TEST(Corpus, ReadsTxtFilesSortedByNameAndSkipsOthers) {
  const fs::path folder = FreshFolder("read");
  WriteFile(folder / "b.txt", "bee");
  WriteFile(folder / "a.txt", "ay\n");
  WriteFile(folder / "empty.txt", "");
  WriteFile(folder / "notes.md", "ignored");
  const Corpus corpus = ReadCorpus(folder.string(), ByteTokenizer());
  ASSERT_EQ(corpus.documents.size(), 2u);
  EXPECT_EQ(corpus.documents[0].name, "a");
  EXPECT_EQ(corpus.documents[0].tokens, (std::vector<int32_t>{'a', 'y', '\n'}));
  EXPECT_EQ(corpus.documents[1].name, "b");
  EXPECT_EQ(corpus.TotalTokens(), 6);
  EXPECT_EQ(DocumentsAtLeast(corpus, 3, "t").documents.size(), 2u);
  EXPECT_THROW(DocumentsAtLeast(corpus, 4, "t"), Error);
}

TEST(Corpus, MissingOrEmptyFolderIsAnError) {
  EXPECT_THROW(ReadCorpus("/nonexistent/ropescale", ByteTokenizer()), Error);
  EXPECT_THROW(ReadCorpus(FreshFolder("empty").string(), ByteTokenizer()), Error);
}

TEST(Corpus, ShippedHeldOutPlaysAreLongAsciiDocuments) {
  const char* source = std::getenv("ROPESCALE_SOURCE_DIR");
  if (source == nullptr) GTEST_SKIP() << "ROPESCALE_SOURCE_DIR not set";
  const Corpus corpus = ReadCorpus(std::string(source) + "/data/corpus/heldout", ByteTokenizer());
  ASSERT_EQ(corpus.documents.size(), 4u);
  for (const Document& document : corpus.documents) {
    EXPECT_GT(document.tokens.size(), 90000u) << document.name;
    for (int32_t token : document.tokens) ASSERT_LT(token, 128) << document.name;
  }
}

}  // namespace
}  // namespace ropescale
