#pragma once
// What the src/eval tests score: a tiny byte-level model shape and corpora of repeated lines
// (long enough for windows and needle documents of a few hundred tokens).
#include <string>

#include "io/tokenizer.h"
#include "src/eval/corpus.h"
#include "tests/support/tiny_model.h"

namespace ropescale::testing {

// Vocab 256 (bytes), hidden 16, FFN 32, one layer of 2 heads of 8, context 64.
inline ModelConfig TinyEvalConfig() {
  return TinyModelConfig({.vocab_size = 256,
                          .hidden_size = 16,
                          .intermediate_size = 32,
                          .num_layers = 1,
                          .num_heads = 2,
                          .num_kv_heads = 2,
                          .head_dim = 8,
                          .max_position_embeddings = 64});
}

// `documents` documents of `characters` bytes, document d one line of a play repeated.
inline Corpus RepeatedLinesCorpus(int documents, int characters = 3000) {
  static const std::string kLines[] = {
      "to be or not to be, that is the question. ",
      "all the world's a stage, and all the men and women merely players. ",
      "now is the winter of our discontent made glorious summer. "};
  Corpus corpus;
  for (int d = 0; d < documents; ++d) {
    const std::string& line = kLines[d % 3];
    std::string text;
    for (int i = 0; i < characters; ++i) text += line[i % line.size()];
    corpus.documents.push_back({"d" + std::to_string(d), ByteTokenizer().Encode(text)});
  }
  return corpus;
}

}  // namespace ropescale::testing
