// HfTokenizer against the `tokenizers` library itself (tests/support/hf_tokenizer_reference.py,
// run with the same interpreter): both trained fixtures (byte-level BPE, Metaspace BPE with byte
// fallback) token for token and offset for offset over the whole corpus and a multilingual
// sample; Decode(Encode(x)) == x; identity and hash; thread safety; and one clear error for a
// missing interpreter, a missing module, a dead child, bad JSON and bad input.
//
// No test is skipped: without `tokenizers` they fail with the library's fix in the message.
#include "io/hf_tokenizer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <thread>

#include "src/core/read_file.h"
#include "tests/io/io_test_util.h"
#include "tests/io/tokenizer_test_util.h"

namespace ropescale {
namespace {

using testing::ExpectErrorWith;
using testing::TempDir;

struct Reference {
  int64_t vocab_size = 0;
  std::vector<std::vector<TokenPiece>> documents;  // one per text file
};

template <typename T>
T Take(const std::string& bytes, size_t& at) {
  T value;
  EXPECT_LE(at + sizeof(T), bytes.size());
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  at += sizeof(T);
  return value;
}

// The library's tokens of every file (the reference script's format is in its header).
Reference LibraryTokens(const std::string& tokenizer_json, const std::vector<std::string>& files,
                        const TempDir& scratch) {
  const std::string out = scratch / "reference.bin";
  std::string command =
      "'" + TokenizerPython() + "' '" +
      (testing::SourceDir() / "tests/support/hf_tokenizer_reference.py").string() + "' '" +
      tokenizer_json + "' '" + out + "'";
  for (const std::string& file : files) command += " '" + file + "'";
  Reference reference;
  const int status = testing::Run(command);
  EXPECT_EQ(status, 0) << "the reference failed: " << command
                       << "\n(the `tokenizers` package is missing? run `bash env/install-deps.sh` "
                          "or set ROPESCALE_TOKENIZER_PYTHON)";
  if (status != 0) return reference;
  const std::string bytes = ReadFileBytes(out);
  size_t at = 0;
  reference.vocab_size = Take<int64_t>(bytes, at);
  for (size_t f = 0; f < files.size(); ++f) {
    const auto count = static_cast<size_t>(Take<int64_t>(bytes, at));
    std::vector<TokenPiece> pieces(count);
    for (TokenPiece& piece : pieces) piece.id = Take<int32_t>(bytes, at);
    for (TokenPiece& piece : pieces) {
      piece.begin = Take<int64_t>(bytes, at);
      piece.end = Take<int64_t>(bytes, at);
    }
    reference.documents.push_back(std::move(pieces));
  }
  EXPECT_EQ(at, bytes.size());
  return reference;
}

std::string WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

HfTokenizer OpenFixture(const std::string& relative) {
  const std::string path = testing::TokenizerFixture(relative);
  return HfTokenizer(path, ReadFileBytes(path));
}

class HfFixtureTest : public ::testing::TestWithParam<const char*> {};

INSTANTIATE_TEST_SUITE_P(Trained, HfFixtureTest,
                         ::testing::Values("byte-level-bpe/tokenizer.json",
                                           "metaspace-bpe/tokenizer.json"),
                         [](const auto& info) {
                           return std::string(info.param).starts_with("byte") ? "ByteLevelBpe"
                                                                              : "MetaspaceBpe";
                         });

TEST_P(HfFixtureTest, MatchesTheLibraryTokenForTokenOverTheWholeCorpus) {
  TempDir scratch;
  std::vector<std::string> files = testing::CorpusFiles();
  ASSERT_EQ(files.size(), 38u);
  files.push_back(WriteFile(scratch / "sample.txt", testing::MultilingualSample()));
  const std::string json = testing::TokenizerFixture(GetParam());
  const Reference reference = LibraryTokens(json, files, scratch);
  ASSERT_EQ(reference.documents.size(), files.size());

  const HfTokenizer tokenizer = OpenFixture(GetParam());
  int64_t tokens = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    const std::string text = ReadFileBytes(files[f]);
    const std::vector<TokenPiece> pieces = tokenizer.EncodeWithOffsets(text);
    // Ids and byte offsets equal the library's (offsets converted from characters by the
    // reference itself): each piece's bytes are the text the library says the token covers.
    ASSERT_EQ(pieces, reference.documents[f]) << files[f];
    testing::ExpectPiecesCoverText(pieces, text, files[f]);
    std::vector<int32_t> ids;
    for (const TokenPiece& piece : pieces) ids.push_back(piece.id);
    if (f == 0 || f + 1 == files.size()) EXPECT_EQ(tokenizer.Encode(text), ids) << files[f];
    EXPECT_EQ(tokenizer.Decode(ids), text) << files[f];
    tokens += static_cast<int64_t>(ids.size());
  }
  // A real subword vocabulary: far fewer tokens than the corpus's 4.96 MB.
  EXPECT_GT(tokens, 1'000'000);
  EXPECT_LT(tokens, 3'000'000);
}

TEST_P(HfFixtureTest, OffsetsAreBytesOfMultiByteCharacters) {
  const HfTokenizer tokenizer = OpenFixture(GetParam());
  const std::string text = "é日🎉";  // 2 + 3 + 4 bytes, no ASCII at all
  const std::vector<TokenPiece> pieces = tokenizer.EncodeWithOffsets(text);
  ASSERT_FALSE(pieces.empty());
  // Every piece lies on the character boundaries 0, 2, 5, 9 (never inside a character).
  for (const TokenPiece& piece : pieces) {
    for (int64_t offset : {piece.begin, piece.end}) {
      EXPECT_TRUE(offset == 0 || offset == 2 || offset == 5 || offset == 9)
          << "offset " << offset << " of id " << piece.id;
    }
  }
  EXPECT_EQ(pieces.back().end, 9);
  EXPECT_EQ(tokenizer.Decode(tokenizer.Encode(text)), text);
}

TEST_P(HfFixtureTest, IdentityIsTheNameTheVocabularyAndTheFileHash) {
  TempDir scratch;
  const std::string json = testing::TokenizerFixture(GetParam());
  const Reference reference = LibraryTokens(json, {}, scratch);
  const HfTokenizer tokenizer = OpenFixture(GetParam());
  const TokenizerIdentity identity = tokenizer.Identity();
  EXPECT_EQ(identity.name, "hf-tokenizer-json");
  EXPECT_EQ(identity.vocab_size, reference.vocab_size);
  EXPECT_EQ(tokenizer.VocabSize(), reference.vocab_size);
  EXPECT_EQ(identity.identity, testing::Sha256sumOf(json));
  EXPECT_FALSE(tokenizer.LibraryVersion().empty());
}

TEST(HfTokenizer, VocabularyCountsTheAddedTokens) {
  // 1000 trained tokens plus <|begin_of_text|> and <|end_of_text|> added after training.
  EXPECT_EQ(OpenFixture("byte-level-bpe/tokenizer.json").VocabSize(), 1002);
  // 3 specials + 256 byte pieces + 741 trained, all inside the model's vocabulary.
  EXPECT_EQ(OpenFixture("metaspace-bpe/tokenizer.json").VocabSize(), 1000);
}

TEST(HfTokenizer, EncodeAddsNoSpecialTokensButKeepsThoseInTheText) {
  const HfTokenizer tokenizer = OpenFixture("byte-level-bpe/tokenizer.json");
  EXPECT_TRUE(tokenizer.Encode("").empty());
  // The fixture's post-processor would put <|begin_of_text|> (1000) first; Encode must not.
  const std::vector<int32_t> hello = tokenizer.Encode("Hello");
  ASSERT_FALSE(hello.empty());
  EXPECT_NE(hello.front(), 1000);
  // An added token written in the text is that token, and decodes back to its text.
  const std::vector<int32_t> eot = tokenizer.Encode("<|end_of_text|>");
  EXPECT_EQ(eot, std::vector<int32_t>{1001});
  EXPECT_EQ(tokenizer.Decode(eot), "<|end_of_text|>");
}

TEST(HfTokenizer, BytesInMemoryNeedNoFile) {
  const std::string path = testing::TokenizerFixture("metaspace-bpe/tokenizer.json");
  const HfTokenizer from_file = OpenFixture("metaspace-bpe/tokenizer.json");
  const HfTokenizer from_bytes("checkpoint.h5:/tokenizer/tokenizer.json", ReadFileBytes(path));
  const std::string text = testing::MultilingualSample();
  EXPECT_EQ(from_bytes.EncodeWithOffsets(text), from_file.EncodeWithOffsets(text));
  EXPECT_EQ(from_bytes.Identity(), from_file.Identity());
}

TEST(HfTokenizer, ConcurrentCallsGiveTheSequentialResults) {
  const HfTokenizer tokenizer = OpenFixture("byte-level-bpe/tokenizer.json");
  std::vector<std::string> texts;
  for (const std::string& file : testing::CorpusFiles()) {
    texts.push_back(ReadFileBytes(file).substr(0, 20000));
    if (texts.size() == 8) break;
  }
  std::vector<std::vector<int32_t>> sequential;
  for (const std::string& text : texts) sequential.push_back(tokenizer.Encode(text));
  std::vector<std::vector<int32_t>> concurrent(texts.size());
  std::vector<std::string> decoded(texts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < texts.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int repeat = 0; repeat < 3; ++repeat) {
        concurrent[i] = tokenizer.Encode(texts[i]);
        decoded[i] = tokenizer.Decode(concurrent[i]);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(concurrent, sequential);
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(decoded[i], texts[i]);
}

// Sets an environment variable for one scope, restoring the earlier value.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnvironment() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(HfTokenizer, TokenizerPythonIsTheVariableElseTheVenvElseDebians) {
  ScopedEnvironment restore("ROPESCALE_TOKENIZER_PYTHON", nullptr);
  setenv("ROPESCALE_TOKENIZER_PYTHON", "/opt/elsewhere/python3", 1);
  EXPECT_EQ(TokenizerPython(), "/opt/elsewhere/python3");
  unsetenv("ROPESCALE_TOKENIZER_PYTHON");
  const std::filesystem::path venv = testing::SourceDir() / ".venv" / "bin" / "python3";
  EXPECT_EQ(TokenizerPython(), std::filesystem::exists(venv) ? venv.string() : "/usr/bin/python3");
}

TEST(HfTokenizer, RefusesAMissingInterpreterNamingTheFileAndTheFix) {
  const std::string path = testing::TokenizerFixture("byte-level-bpe/tokenizer.json");
  ExpectErrorWith([&] { HfTokenizer(path, ReadFileBytes(path), "/nonexistent/python3"); },
                  {path, "/nonexistent/python3", "No such file", "env/install-deps.sh",
                   "ROPESCALE_TOKENIZER_PYTHON"});
  // The same through the environment variable.
  ScopedEnvironment bogus("ROPESCALE_TOKENIZER_PYTHON", "/nonexistent/bogus-python");
  ExpectErrorWith([&] { HfTokenizer(path, ReadFileBytes(path)); },
                  {path, "/nonexistent/bogus-python", "ROPESCALE_TOKENIZER_PYTHON"});
}

// An executable script under `scratch` with `body` after a shebang.
std::string WriteExecutable(const TempDir& scratch, const std::string& name,
                            const std::string& body) {
  std::string path = WriteFile(scratch / name, body);
  chmod(path.c_str(), 0755);
  return path;
}

TEST(HfTokenizer, RefusesAnInterpreterWithoutTheModule) {
  TempDir scratch;
  // Debian's python3 without its site-packages: `tokenizers` cannot be imported, wherever it is
  // installed.
  const std::string python = WriteExecutable(scratch, "python-without-site",
                                             "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n");
  const std::string path = testing::TokenizerFixture("byte-level-bpe/tokenizer.json");
  ExpectErrorWith([&] { HfTokenizer(path, ReadFileBytes(path), python); },
                  {path, python, "No module named 'tokenizers'", "env/install-deps.sh",
                   "ROPESCALE_TOKENIZER_PYTHON"});
}

TEST(HfTokenizer, AChildThatDiesFailsThisAndEveryLaterCall) {
  TempDir scratch;
  // A stand-in interpreter that answers the load request (vocabulary 300), then exits 3.
  const std::string python = WriteExecutable(scratch, "dies-after-load", R"(#!/usr/bin/python3
import struct, sys
kind, n = struct.unpack("<cQ", sys.stdin.buffer.read(9))
sys.stdin.buffer.read(n)
reply = struct.pack("<q", 300) + b"stand-in"
sys.stdout.buffer.write(struct.pack("<cQ", b"L", len(reply)) + reply)
sys.stdout.buffer.flush()
sys.exit(3)
)");
  const HfTokenizer tokenizer("stand-in.json", "{}", python);
  EXPECT_EQ(tokenizer.VocabSize(), 300);
  EXPECT_EQ(tokenizer.LibraryVersion(), "stand-in");
  ExpectErrorWith([&] { tokenizer.Encode("hello"); },
                  {"stand-in.json", python, "exited with status 3"});
  ExpectErrorWith([&] { tokenizer.Decode({1, 2}); }, {"stand-in.json", "failed before"});
}

TEST(HfTokenizer, RefusesJsonTheLibraryCannotRead) {
  TempDir scratch;
  ExpectErrorWith([&] { HfTokenizer("broken/tokenizer.json", "{\"model\": "); },
                  {"broken/tokenizer.json", "`tokenizers` library"});
  ExpectErrorWith([&] { HfTokenizer("other.json", "{\"hello\": 1}"); },
                  {"other.json", "`tokenizers` library"});
  const std::string truncated =
      ReadFileBytes(testing::TokenizerFixture("byte-level-bpe/tokenizer.json")).substr(0, 5000);
  ExpectErrorWith([&] { HfTokenizer("truncated.json", truncated); }, {"truncated.json"});
}

TEST(HfTokenizer, RefusesBadInputNamingIt) {
  const HfTokenizer tokenizer = OpenFixture("byte-level-bpe/tokenizer.json");
  ExpectErrorWith([&] { tokenizer.Encode(std::string("ok \xC3\x28 bad", 8)); },
                  {"tokenizer.json", "not valid UTF-8 at byte 3"});
  ExpectErrorWith(
      [&] {
        tokenizer.Decode({5, 1002});
      },
      {"tokenizer.json", "token 1002 at index 1", "1002"});
  ExpectErrorWith([&] { tokenizer.Decode({-1}); }, {"token -1 at index 0"});
  // The child survives refused requests.
  EXPECT_EQ(tokenizer.Decode(tokenizer.Encode("still here")), "still here");
}

}  // namespace
}  // namespace ropescale
