#include "src/eval/document_file.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <string_view>
#include <utility>

#include "io/hdf5_tokenizer.h"
#include "io/hdf5_util.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/eval/passkey_suite.h"
#include "src/eval/text_windows.h"
#include "src/model/batch.h"

namespace ropescale {
namespace {

constexpr const char* kFormat = "ropescale-documents";
constexpr int64_t kFormatVersion = 1;

std::string SetName(size_t index) { return fmt::format("set-{:05d}", index); }

void CheckSet(const DocumentSet& set, int64_t vocab_size, const std::string& where) {
  Check(set.length >= 2, "{}: length {} < 2", where, set.length);
  Check(!set.documents.empty(), "{}: no documents", where);
  Check(set.origins.size() == set.documents.size(), "{}: {} origins for {} documents", where,
        set.origins.size(), set.documents.size());
  Check(!set.depth || (*set.depth >= 0.0 && *set.depth <= 1.0), "{}: depth {} outside [0, 1]",
        where, set.depth.value_or(0.0));
  for (size_t d = 0; d < set.documents.size(); ++d) {
    const EvaluationDocument& doc = set.documents[d];
    Check(static_cast<int>(doc.tokens.size()) == set.length &&
              doc.loss_weights.size() == doc.tokens.size(),
          "{}: document {} has {} tokens and {} weights, the set's length is {}", where, d,
          doc.tokens.size(), doc.loss_weights.size(), set.length);
    double weight = 0.0;
    for (size_t t = 0; t < doc.tokens.size(); ++t) {
      Check(doc.tokens[t] >= 0 && doc.tokens[t] < vocab_size,
            "{}: document {} token {} = {} is outside the tokenizer's vocabulary [0, {})", where, d,
            t, doc.tokens[t], vocab_size);
      Check(doc.loss_weights[t] == 0.0f || doc.loss_weights[t] == 1.0f,
            "{}: document {} loss weight {} = {} is not 0 or 1", where, d, t, doc.loss_weights[t]);
      weight += doc.loss_weights[t];
    }
    Check(weight > 0.0, "{}: document {} weighs no token", where, d);
    Check(doc.loss_weights.back() == 0.0f, "{}: document {} weighs its last position (no target)",
          where, d);
  }
}

EvaluationDocument DocumentFromRow(std::vector<int32_t> tokens, std::vector<float> weights) {
  EvaluationDocument doc;
  doc.targets.assign(tokens.begin() + 1, tokens.end());
  doc.targets.push_back(kIgnoreTarget);
  doc.tokens = std::move(tokens);
  doc.loss_weights = std::move(weights);
  return doc;
}

void WriteSet(const h5::Object& group, const DocumentSet& set) {
  group.SetString("kind", std::string(FitnessKindName(set.kind)));
  group.SetInt("length", set.length);
  group.SetDouble("depth", set.depth.value_or(std::numeric_limits<double>::quiet_NaN()));
  if (set.kind == FitnessKind::kNeedle) {
    group.SetString("format", std::string(NeedleKindName(set.format.kind)));
    group.SetInt("digits", set.format.digits);
    group.SetInt("pairs", set.format.pairs);
  }
  const auto count = static_cast<int64_t>(set.documents.size());
  std::vector<int32_t> tokens;
  std::vector<float> weights;
  tokens.reserve(count * set.length);
  weights.reserve(count * set.length);
  std::vector<std::string> sources, keys;
  std::vector<int64_t> source_begins, needle_begins;
  for (int64_t d = 0; d < count; ++d) {
    const EvaluationDocument& doc = set.documents[d];
    tokens.insert(tokens.end(), doc.tokens.begin(), doc.tokens.end());
    weights.insert(weights.end(), doc.loss_weights.begin(), doc.loss_weights.end());
    const DocumentOrigin& origin = set.origins[d];
    sources.push_back(origin.source);
    keys.push_back(origin.key);
    source_begins.push_back(origin.source_begin);
    needle_begins.push_back(origin.needle_begin);
  }
  group.WriteInt32As("tokens", tokens, H5T_STD_I32LE, 1);
  group.WriteFloat32("loss_weights", {count, set.length}, weights);
  group.WriteStrings("source", sources);
  group.WriteInt64("source_begin", source_begins);
  group.WriteInt64("needle_begin", needle_begins);
  group.WriteStrings("key", keys);
}

DocumentSet ReadSet(const h5::Object& group) {
  DocumentSet set;
  set.kind = ParseFitnessKind(group.GetString("kind"), group.Where("kind"));
  set.length = static_cast<int>(group.GetInt("length"));
  const double depth = group.GetDouble("depth");
  if (!std::isnan(depth)) set.depth = depth;
  if (set.kind == FitnessKind::kNeedle) {
    set.format.kind = ParseNeedleKind(group.GetString("format"), group.Where("format"));
    set.format.digits = static_cast<int>(group.GetInt("digits"));
    set.format.pairs = static_cast<int>(group.GetInt("pairs"));
  }
  Check(set.length >= 2 && set.length <= (1 << 30), "{}: length {} is outside [2, 2^30]",
        group.Where("length"), set.length);
  const std::vector<int32_t> tokens = group.ReadInt32("tokens");
  std::vector<int64_t> shape;
  const std::vector<float> weights = group.ReadFloat32("loss_weights", shape);
  Check(shape.size() == 2 && shape[1] == set.length, "{}: shape is not [documents, {}]",
        group.Where("loss_weights"), set.length);
  const int64_t count = shape[0];
  Check(static_cast<int64_t>(tokens.size()) == count * set.length,
        "{}: {} tokens, expected {} documents x {}", group.Where("tokens"), tokens.size(), count,
        set.length);
  const std::vector<std::string> sources = group.ReadStrings("source");
  const std::vector<std::string> keys = group.ReadStrings("key");
  const std::vector<int64_t> source_begins = group.ReadInt64("source_begin");
  const std::vector<int64_t> needle_begins = group.ReadInt64("needle_begin");
  for (const auto& [name, size] :
       {std::pair{"source", sources.size()}, std::pair{"key", keys.size()},
        std::pair{"source_begin", source_begins.size()},
        std::pair{"needle_begin", needle_begins.size()}}) {
    Check(static_cast<int64_t>(size) == count, "{}: {} entries for {} documents", group.Where(name),
          size, count);
  }
  for (int64_t d = 0; d < count; ++d) {
    const auto begin = d * set.length;
    set.documents.push_back(DocumentFromRow(
        std::vector<int32_t>(tokens.begin() + begin, tokens.begin() + begin + set.length),
        std::vector<float>(weights.begin() + begin, weights.begin() + begin + set.length)));
    set.origins.push_back({sources[d], source_begins[d], needle_begins[d], keys[d]});
  }
  return set;
}

}  // namespace

std::vector<std::optional<double>> EvenDepths(int count) {
  Check(count >= 1, "depths: count {} < 1", count);
  if (count == 1) return {0.5};
  std::vector<std::optional<double>> depths;
  for (int i = 0; i < count; ++i) depths.push_back(static_cast<double>(i) / (count - 1));
  return depths;
}

std::vector<DocumentSet> BuildDocumentSets(const Corpus& corpus,
                                           const DocumentFileSettings& settings,
                                           const Tokenizer& tokenizer) {
  Check(settings.needle_documents >= 0, "documents: needle documents {} < 0",
        settings.needle_documents);
  Check(settings.windows >= 0, "documents: windows {} < 0", settings.windows);
  Check(settings.needle_documents + settings.windows > 0,
        "documents: neither needle documents nor windows asked for");
  std::vector<DocumentSet> sets;
  if (settings.needle_documents > 0) {
    PasskeySettings needles;
    needles.lengths = settings.lengths;
    needles.documents = settings.needle_documents;
    needles.depths = settings.depths;
    needles.formats = settings.formats;
    needles.seed = settings.seed;
    sets = MakePasskeyDocuments(corpus, needles, tokenizer);
  }
  if (settings.windows > 0) {
    for (int length : settings.lengths) {
      DocumentSet set{FitnessKind::kPerplexity, {}, length, std::nullopt, {}, {}};
      std::vector<TextWindowSource> sources;
      for (std::vector<int32_t>& window :
           MakeTextWindows(EvaluationCorpus(corpus, length), settings.windows, length,
                           settings.seed, &sources)) {
        set.documents.push_back(WindowDocument(std::move(window)));
      }
      for (const TextWindowSource& source : sources) {
        set.origins.push_back({source.document, source.begin, -1, ""});
      }
      sets.push_back(std::move(set));
    }
  }
  return sets;
}

void WriteDocumentFile(const std::string& path, const DocumentFile& file) {
  Check(!file.sets.empty(), "{}: no document sets to write", path);
  for (size_t s = 0; s < file.sets.size(); ++s) {
    CheckSet(file.sets[s], file.tokenizer.vocab_size, fmt::format("{}: {}", path, SetName(s)));
  }
  WriteAtomically(path, [&](const std::string& temporary) {
    const h5::Object root = h5::CreateFile(temporary);
    root.SetString("format", kFormat);
    root.SetInt("format_version", kFormatVersion);
    WriteTokenizerGroup(root, file.tokenizer);
    const h5::Object provenance = root.CreateGroup("provenance");
    provenance.SetString("command_line", file.provenance.command_line);
    provenance.SetString("version", file.provenance.version);
    provenance.SetString("git_hash", file.provenance.git_hash);
    provenance.SetString("time_utc", file.provenance.time_utc);
    provenance.SetString("source", file.source);
    provenance.SetInt("seed", static_cast<int64_t>(file.seed));
    const h5::Object sets = root.CreateGroup("sets");
    for (size_t s = 0; s < file.sets.size(); ++s) {
      WriteSet(sets.CreateGroup(SetName(s)), file.sets[s]);
    }
    root.Flush();
  });
}

DocumentFile ReadDocumentFile(const std::string& path) {
  Check(std::filesystem::is_regular_file(path), "{}: no such evaluation-document file", path);
  const h5::Object root = h5::OpenFileReadOnly(path);
  h5::CheckFormat(root, kFormat, kFormatVersion);
  DocumentFile file;
  file.tokenizer = ReadTokenizerGroup(root);
  const h5::Object provenance = root.OpenGroup("provenance");
  file.provenance.command_line = provenance.GetString("command_line");
  file.provenance.version = provenance.GetString("version");
  file.provenance.git_hash = provenance.GetString("git_hash");
  file.provenance.time_utc = provenance.GetString("time_utc");
  file.source = provenance.GetString("source");
  file.seed = static_cast<uint64_t>(provenance.GetInt("seed"));
  const h5::Object sets = root.OpenGroup("sets");
  const std::vector<std::string> names = sets.Children();
  Check(!names.empty(), "{}: no document sets", sets.Where());
  for (size_t s = 0; s < names.size(); ++s) {
    Check(names[s] == SetName(s), "{}: unexpected set '{}' (expected {})", sets.Where(), names[s],
          SetName(s));
    DocumentSet set = ReadSet(sets.OpenGroup(names[s]));
    CheckSet(set, file.tokenizer.vocab_size, sets.Where(names[s]));
    file.sets.push_back(std::move(set));
  }
  return file;
}

DocumentFile ReadDocumentFileFor(const std::string& path, const TokenizerIdentity& model) {
  DocumentFile file = ReadDocumentFile(path);
  CheckDocumentTokenizer(file, model, path);
  return file;
}

std::vector<const DocumentSet*> SelectSets(const DocumentFile& file, FitnessKind kind,
                                           std::optional<int> length) {
  std::vector<const DocumentSet*> selected;
  for (const DocumentSet& set : file.sets) {
    if (set.kind == kind && (!length || set.length == *length)) selected.push_back(&set);
  }
  return selected;
}

std::vector<LengthDocuments> LengthDocumentsFromFile(const DocumentFile& file, bool needles,
                                                     const std::string& file_path) {
  std::vector<LengthDocuments> documents;
  for (const DocumentSet* windows : SelectSets(file, FitnessKind::kPerplexity)) {
    auto same = std::find_if(documents.begin(), documents.end(),
                             [&](const LengthDocuments& d) { return d.length == windows->length; });
    if (same == documents.end())
      same = documents.insert(documents.end(), {windows->length, {}, {}});
    same->windows.insert(same->windows.end(), windows->documents.begin(), windows->documents.end());
  }
  Check(!documents.empty(), "{}: no perplexity windows (it holds {}; build it with --windows)",
        file_path, DocumentFileContents(file));
  if (!needles) return documents;
  for (LengthDocuments& docs : documents) {
    for (const DocumentSet* set : SelectSets(file, FitnessKind::kNeedle, docs.length)) {
      docs.needles.insert(docs.needles.end(), set->documents.begin(), set->documents.end());
    }
    Check(!docs.needles.empty(), "{}: no needle documents of length {} (it holds {})", file_path,
          docs.length, DocumentFileContents(file));
  }
  return documents;
}

std::string DocumentFileContents(const DocumentFile& file) {
  std::map<std::pair<std::string_view, int>, size_t> counts;
  for (const DocumentSet& set : file.sets) {
    counts[{FitnessKindName(set.kind), set.length}] += set.documents.size();
  }
  std::vector<std::string> parts;
  for (const auto& [what, count] : counts) {
    parts.push_back(fmt::format("{} {} of length {}", count, what.first, what.second));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

void CheckDocumentTokenizer(const DocumentFile& file, const TokenizerIdentity& model,
                            const std::string& file_path) {
  Check(file.tokenizer == model,
        "{}: its documents were tokenized with {}, but the model's tokenizer is {}", file_path,
        DescribeTokenizer(file.tokenizer), DescribeTokenizer(model));
}

}  // namespace ropescale
