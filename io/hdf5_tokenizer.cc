#include "io/hdf5_tokenizer.h"

#include <cstdint>
#include <limits>

#include "src/core/error.h"

namespace ropescale {

void WriteTokenizerGroup(const h5::Object& root, const TokenizerIdentity& identity) {
  const h5::Object group = root.CreateGroup("tokenizer");
  group.SetString("name", identity.name);
  group.SetInt("vocab_size", identity.vocab_size);
  if (!identity.identity.empty()) group.SetString("identity", identity.identity);
}

TokenizerIdentity ReadTokenizerGroup(const h5::Object& root) {
  const h5::Object group = root.OpenGroup("tokenizer");
  TokenizerIdentity identity;
  identity.name = group.GetString("name");
  identity.vocab_size = group.GetInt("vocab_size");
  identity.identity = group.GetOptionalString("identity").value_or("");
  Check(!identity.name.empty(), "{}: attribute 'name' is empty", group.Where());
  constexpr int64_t kMaxVocab = std::numeric_limits<int32_t>::max();
  Check(identity.vocab_size >= 1 && identity.vocab_size <= kMaxVocab,
        "{}: attribute 'vocab_size' = {} is outside [1, {}]", group.Where(), identity.vocab_size,
        kMaxVocab);
  return identity;
}

}  // namespace ropescale
