#!/usr/bin/env bash
# `ropescale tokenize` end to end: the held-out corpus -> a token-shard file, read back with
# h5dump (independent of our reader) and python3: the byte tokens of every document equal the bytes
# of its file, in file-name order; the summary and --json agree; bad inputs fail with exit 1 and
# one error line naming the culprit.
set -euo pipefail
BIN=${ROPESCALE_BIN:?ROPESCALE_BIN not set}
SRC=${ROPESCALE_SOURCE_DIR:?ROPESCALE_SOURCE_DIR not set}
CORPUS=$SRC/data/corpus/heldout
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
# shellcheck source=../support/cli_errors.sh
source "$SRC/tests/support/cli_errors.sh"

"$BIN" --log-level warn tokenize --input "$CORPUS" --out heldout.h5 > summary.txt
grep -q "4 documents" summary.txt || fail "summary: $(cat summary.txt)"
grep -q "uint16" summary.txt || fail "summary lacks the dtype: $(cat summary.txt)"
[ "$(ls -A | grep -c '\.tmp-')" -eq 0 ] || fail "temporary file left behind"

# The file as h5dump sees it: attributes, types, and the raw arrays.
h5dump -a /format heldout.h5 | grep -q '"ropescale-tokens"' || fail "root attribute format"
h5dump -a /format_version heldout.h5 | grep -q '(0): 1' || fail "root attribute format_version"
h5dump -a /tokenizer/name heldout.h5 | grep -q '"byte"' || fail "tokenizer name"
h5dump -a /tokenizer/vocab_size heldout.h5 | grep -q '(0): 256' || fail "tokenizer vocab_size"
h5dump -H -d /tokens heldout.h5 | grep -q H5T_STD_U16LE || fail "/tokens is not uint16"
h5dump -H -d /doc_offsets heldout.h5 | grep -q H5T_STD_I64LE || fail "/doc_offsets is not int64"
h5dump -a /provenance/source heldout.h5 | grep -q "$CORPUS" || fail "provenance source"
h5dump -a /provenance/command_line heldout.h5 | grep -q "tokenize" || fail "provenance command"
h5dump -d /doc_names -y heldout.h5 > names.txt
h5dump -d /tokens -b LE -o tokens.bin heldout.h5 > /dev/null
h5dump -d /doc_offsets -b LE -o offsets.bin heldout.h5 > /dev/null

python3 - "$CORPUS" names.txt <<'PY'
import os, re, struct, sys
corpus, names_dump = sys.argv[1], sys.argv[2]
files = sorted(f for f in os.listdir(corpus) if f.endswith(".txt"))
raw = open("tokens.bin", "rb").read()
tokens = struct.unpack("<%dH" % (len(raw) // 2), raw)
raw = open("offsets.bin", "rb").read()
offsets = struct.unpack("<%dq" % (len(raw) // 8), raw)
names = re.findall(r'"([^"]*)"', open(names_dump).read().split("DATA {", 1)[1])
if names != [f[:-4] for f in files]:
    sys.exit("doc_names %s != files %s" % (names, files))
if len(offsets) != len(files) + 1 or offsets[0] != 0 or offsets[-1] != len(tokens):
    sys.exit("offsets %s do not frame %d tokens" % (offsets, len(tokens)))
for d, f in enumerate(files):
    data = open(os.path.join(corpus, f), "rb").read()
    if tokens[offsets[d]:offsets[d + 1]] != tuple(data):
        sys.exit("document %d (%s): tokens differ from the file's bytes" % (d, f))
PY

# --json: one object whose counts match the files.
"$BIN" --log-level warn tokenize --input "$CORPUS" --out again.h5 --json > result.json
python3 - "$CORPUS" <<'PY'
import json, os, sys
corpus = sys.argv[1]
r = json.load(open("result.json"))
total = sum(os.path.getsize(os.path.join(corpus, f)) for f in os.listdir(corpus) if f.endswith(".txt"))
want = {"documents": 4, "tokens": total, "dtype": "uint16", "tokenizer": "byte", "vocab_size": 256}
for key, value in want.items():
    if r.get(key) != value:
        sys.exit("--json %s = %r, expected %r" % (key, r.get(key), value))
PY
cmp <(h5dump -d /tokens -y again.h5 | grep -v again.h5) \
    <(h5dump -d /tokens -y heldout.h5 | grep -v heldout.h5) || fail "two runs differ"

# --help names every option and the default tokenizer.
"$BIN" tokenize --help > help.txt
for word in --input --out --tokenizer --json byte; do
  grep -q -- "$word" help.txt || fail "--help lacks $word"
done

# Refusals.
expect_error "$WORK/missing" "$BIN" --log-level warn tokenize --input "$WORK/missing" --out x.h5
mkdir empty
expect_error "empty" "$BIN" --log-level warn tokenize --input empty --out x.h5
expect_error "sentencepiece" "$BIN" --log-level warn tokenize --input "$CORPUS" --out x.h5 --tokenizer sentencepiece
grep -q "byte" err.txt || fail "unknown tokenizer error does not list the known ones"
mkdir outdir
expect_error "outdir" "$BIN" --log-level warn tokenize --input "$CORPUS" --out outdir
mkdir docs
cp "$CORPUS/twelfth-night.txt" docs/
expect_error "docs/twelfth-night.txt" "$BIN" --log-level warn tokenize --input docs --out docs/twelfth-night.txt
cmp docs/twelfth-night.txt "$CORPUS/twelfth-night.txt" || fail "an input file was overwritten"
[ ! -e x.h5 ] || fail "a failed run left x.h5"
echo "tokenize_test: OK"
