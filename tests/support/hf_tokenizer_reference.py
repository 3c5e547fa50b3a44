#!/usr/bin/env python3
"""The Hugging Face `tokenizers` library's own tokens, the reference ropescale's are checked on.

Usage: PYTHON hf_tokenizer_reference.py TOKENIZER_JSON OUT_FILE TEXT_FILE...
Writes OUT_FILE (little-endian): i64 vocab_size (with added tokens), then for each text file
i64 count, count x i32 ids, count x (i64 begin, i64 end): the tokens of
encode(text, add_special_tokens=False) and the library's character offsets turned into UTF-8
byte offsets here, independently of ropescale.
"""
import itertools
import struct
import sys
from array import array

from tokenizers import Tokenizer

assert sys.byteorder == "little", "the reference file is little-endian"


def byte_offsets(text, offsets):
    if text.isascii():
        return offsets
    starts = list(itertools.accumulate((len(c.encode("utf-8")) for c in text), initial=0))
    return [(starts[b], starts[e]) for b, e in offsets]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    tokenizer = Tokenizer.from_file(sys.argv[1])
    with open(sys.argv[2], "wb") as out:
        out.write(struct.pack("<q", tokenizer.get_vocab_size(with_added_tokens=True)))
        for path in sys.argv[3:]:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8")
            encoding = tokenizer.encode(text, add_special_tokens=False)
            pairs = byte_offsets(text, encoding.offsets)
            out.write(struct.pack("<q", len(encoding.ids)))
            out.write(struct.pack("<%di" % len(encoding.ids), *encoding.ids))
            out.write(array("q", itertools.chain.from_iterable(pairs)).tobytes())


if __name__ == "__main__":
    main()
