#pragma once
// The evaluation-document file (format "ropescale-documents", layout in io/README.md): needle
// documents and perplexity windows built ONCE, in the model's tokenizer, so that `search`, `eval`
// and `train` all score the same documents. Built by `ropescale documents`.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/checkpoint.h"  // Provenance
#include "io/tokenizer.h"
#include "src/eval/corpus.h"
#include "src/eval/document_set.h"
#include "src/eval/perplexity_suite.h"

namespace ropescale {

struct DocumentFile {
  TokenizerIdentity tokenizer;
  std::string source;  // the corpus the documents were cut from
  uint64_t seed = 0;
  Provenance provenance;
  std::vector<DocumentSet> sets;
};

struct DocumentFileSettings {
  std::vector<int> lengths;
  std::vector<NeedleFormat> formats = {NeedleFormat{}};
  std::vector<std::optional<double>> depths = {std::nullopt};  // nullopt = random per document
  int needle_documents = 10;  // per (format, length, depth); 0 = no needle sets
  int windows = 0;            // perplexity windows per length; 0 = none
  uint64_t seed = 1234;
};

// `count` depths spread evenly over [0, 1] (0, 1/(count-1), ..., 1), as the LongRoPE2 authors
// place 10 needles; one depth is 0.5. Throws Error for count < 1.
std::vector<std::optional<double>> EvenDepths(int count);

// Needle sets in the order format x length x depth (MakePasskeyDocuments: the documents
// `eval passkey` draws for the same seed), then one window set per length (MakeTextWindows of
// EvaluationCorpus). Throws Error naming the field for a bad setting.
std::vector<DocumentSet> BuildDocumentSets(const Corpus& corpus,
                                           const DocumentFileSettings& settings,
                                           const Tokenizer& tokenizer);

// Writes PATH.tmp-<pid>, renamed over PATH. Throws Error for inconsistent sets (lengths, token
// ids >= the tokenizer's vocabulary, weights other than 0/1, origins missing).
void WriteDocumentFile(const std::string& path, const DocumentFile& file);
// Reads and validates every set (as WriteDocumentFile checks, plus the targets are rebuilt as
// the next tokens); throws Error naming the file and the object.
DocumentFile ReadDocumentFile(const std::string& path);
// ReadDocumentFile, refused (CheckDocumentTokenizer) unless its tokenizer is the model's.
DocumentFile ReadDocumentFileFor(const std::string& path, const TokenizerIdentity& model);

// The sets of `kind` and, when given, `length`, in file order.
std::vector<const DocumentSet*> SelectSets(const DocumentFile& file, FitnessKind kind,
                                           std::optional<int> length = std::nullopt);
// Per length with windows (in file order): its windows, and (when `needles`) every needle
// document of that length. Throws Error naming `file_path` when the file has no windows, or, with
// `needles`, a length has none.
std::vector<LengthDocuments> LengthDocumentsFromFile(const DocumentFile& file, bool needles,
                                                     const std::string& file_path);

// What the file holds, for messages: "30 needle of length 256, 4 ppl of length 256, ...".
std::string DocumentFileContents(const DocumentFile& file);
// Throws Error naming `file_path` and both tokenizers when the file's tokenizer is not `model`.
void CheckDocumentTokenizer(const DocumentFile& file, const TokenizerIdentity& model,
                            const std::string& file_path);

}  // namespace ropescale
