#!/usr/bin/env bash
# `ropescale tokenize --tokenizer FOLDER|FILE` with the three trained fixtures
# (tests/fixtures/tokenizers): the shards' tokens equal the libraries' own (the `tokenizers`
# package through tests/support/hf_tokenizer_reference.py; Debian's spm_encode), read back with
# h5dump; /tokenizer records name, vocabulary and the file's sha256 (by sha256sum). A missing
# interpreter, a missing `tokenizers` module and a corrupt tokenizer.json fail with exit 1 and
# one error line naming the file and the fix. Nothing is skipped: without `tokenizers` it fails.
set -euo pipefail
BIN=${ROPESCALE_BIN:?ROPESCALE_BIN not set}
SRC=${ROPESCALE_SOURCE_DIR:?ROPESCALE_SOURCE_DIR not set}
FIXTURES=$SRC/tests/fixtures/tokenizers
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
fail() { echo "FAIL: $*" >&2; exit 1; }

# The interpreter ropescale runs tokenizer.json with (io/hf_tokenizer.h).
if [ -n "${ROPESCALE_TOKENIZER_PYTHON:-}" ]; then
  TOKENIZER_PYTHON=$ROPESCALE_TOKENIZER_PYTHON
elif [ -x "$SRC/.venv/bin/python3" ]; then
  TOKENIZER_PYTHON=$SRC/.venv/bin/python3
else
  TOKENIZER_PYTHON=/usr/bin/python3
fi
"$TOKENIZER_PYTHON" -c "import tokenizers" ||
  fail "$TOKENIZER_PYTHON lacks the tokenizers package: run bash env/install-deps.sh"

# Runs a command that must fail: exit code 1 and exactly one stderr line containing each of the
# other arguments ("--" ends them).
expect_error() {
  local wants=()
  while [ "$1" != "--" ]; do wants+=("$1"); shift; done
  shift
  set +e
  "$@" > out.txt 2> err.txt
  local rc=$?
  set -e
  [ "$rc" -eq 1 ] || fail "'$*' exited $rc, expected 1"
  [ "$(wc -l < err.txt)" -eq 1 ] || fail "'$*' printed $(wc -l < err.txt) stderr lines: $(cat err.txt)"
  for want in "${wants[@]}"; do
    grep -qF -- "$want" err.txt || fail "'$*' error does not name '$want': $(cat err.txt)"
  done
}

# Checks FILE.h5's /tokenizer against NAME, VOCAB and the sha256 of TOKENIZER_FILE, and dumps
# its tokens (uint16) and offsets to FILE.tokens / FILE.offsets.
check_shards() {
  local h5=$1 name=$2 vocab=$3 tokenizer_file=$4
  local sha
  sha=$(sha256sum "$tokenizer_file" | cut -c1-64)
  h5dump -a /tokenizer/name "$h5" | grep -q "\"$name\"" || fail "$h5: tokenizer name"
  h5dump -a /tokenizer/vocab_size "$h5" | grep -q "(0): $vocab\$" || fail "$h5: vocab_size"
  h5dump -a /tokenizer/identity "$h5" | grep -q "\"sha256:$sha\"" || fail "$h5: identity"
  h5dump -H -d /tokens "$h5" | grep -q H5T_STD_U16LE || fail "$h5: /tokens is not uint16"
  h5dump -d /tokens -b LE -o "$h5.tokens" "$h5" > /dev/null
  h5dump -d /doc_offsets -b LE -o "$h5.offsets" "$h5" > /dev/null
}

# Compares the shards' documents with REFERENCE, a file of one line of ids per document.
same_tokens() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import struct, sys
h5, reference = sys.argv[1], sys.argv[2]
raw = open(h5 + ".tokens", "rb").read()
tokens = struct.unpack("<%dH" % (len(raw) // 2), raw)
raw = open(h5 + ".offsets", "rb").read()
offsets = struct.unpack("<%dq" % (len(raw) // 8), raw)
want = [[int(t) for t in line.split()] for line in open(reference).read().splitlines()]
if len(want) != len(offsets) - 1:
    sys.exit("%s: %d documents, the library %d" % (h5, len(offsets) - 1, len(want)))
for d, ids in enumerate(want):
    got = list(tokens[offsets[d]:offsets[d + 1]])
    if got != ids:
        first = next((i for i, (a, b) in enumerate(zip(got, ids)) if a != b), min(len(got), len(ids)))
        sys.exit("%s document %d: token %d differs (%d tokens, the library %d)" % (h5, d, first, len(got), len(ids)))
print("%s: %d documents, %d tokens equal the library's" % (h5, len(want), len(tokens)))
PY
}

# Documents: the held-out plays and a multilingual one (sorted names: the shards' order).
mkdir docs
cp "$SRC"/data/corpus/heldout/*.txt docs/
printf 'Naïve café — Ελληνικά, 日本語 🎉\r\n\tTabs,  spaces, 1234567 <|end_of_text|> <s> <0x41>\n' > docs/zz-sample.txt

# Hugging Face tokenizer.json: a folder and a file, each the library's tokens.
for case in "byte-level-bpe 1002" "metaspace-bpe 1000"; do
  set -- $case
  fixture=$1 vocab=$2
  json=$FIXTURES/$fixture/tokenizer.json
  "$BIN" --log-level warn tokenize --input docs --out "$fixture.h5" --tokenizer "$FIXTURES/$fixture" --json > result.json
  check_shards "$fixture.h5" hf-tokenizer-json "$vocab" "$json"
  "$TOKENIZER_PYTHON" - "$json" "$fixture.ref" docs/*.txt <<'PY'
import sys
from tokenizers import Tokenizer
tokenizer = Tokenizer.from_file(sys.argv[1])
with open(sys.argv[2], "w") as out:
    for path in sys.argv[3:]:
        text = open(path, encoding="utf-8", newline="").read()
        out.write(" ".join(map(str, tokenizer.encode(text, add_special_tokens=False).ids)) + "\n")
PY
  same_tokens "$fixture.h5" "$fixture.ref"
  /usr/bin/python3 - "$json" <<'PY'
import hashlib, json, sys
r = json.load(open("result.json"))
want = {"tokenizer": "hf-tokenizer-json", "documents": 5,
        "tokenizer_identity": "sha256:" + hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()}
for key, value in want.items():
    if r.get(key) != value:
        sys.exit("--json %s = %r, expected %r" % (key, r.get(key), value))
PY
  # The file itself gives the same shards.
  "$BIN" --log-level warn tokenize --input docs --out file.h5 --tokenizer "$json" > /dev/null
  cmp <(h5dump -d /tokens -y file.h5 | grep -v file.h5) \
      <(h5dump -d /tokens -y "$fixture.h5" | grep -v "$fixture.h5") || fail "$fixture: folder and file differ"
done

# SentencePiece tokenizer.model: spm_encode reads line by line, so here every document is one
# line (its lines joined by spaces, no final newline).
mkdir lines
for f in docs/*.txt; do
  tr '\n' ' ' < "$f" | sed 's/ *$//' > "lines/$(basename "$f")"
done
model=$FIXTURES/sentencepiece/tokenizer.model
"$BIN" --log-level warn tokenize --input lines --out sp.h5 --tokenizer "$FIXTURES/sentencepiece" > summary.txt
grep -q "tokenizer sentencepiece (vocab 1000, sha256:" summary.txt || fail "summary: $(cat summary.txt)"
check_shards sp.h5 sentencepiece 1000 "$model"
for f in lines/*.txt; do
  spm_encode --model="$model" --output_format=id < "$f"
done > sp.ref
same_tokens sp.h5 sp.ref

# --help explains the choices.
"$BIN" tokenize --help > help.txt
for word in byte tokenizer.json tokenizer.model ROPESCALE_TOKENIZER_PYTHON install-deps; do
  grep -q -- "$word" help.txt || fail "--help lacks $word"
done

# Refusals: one line naming the tokenizer file, the interpreter and the fix; no output left.
json=$FIXTURES/byte-level-bpe/tokenizer.json
ROPESCALE_TOKENIZER_PYTHON=/nonexistent/python3 expect_error "$json" /nonexistent/python3 \
  ROPESCALE_TOKENIZER_PYTHON env/install-deps.sh -- \
  "$BIN" --log-level warn tokenize --input docs --out x.h5 --tokenizer "$json"
printf '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n' > python-without-site
chmod +x python-without-site
ROPESCALE_TOKENIZER_PYTHON=$WORK/python-without-site expect_error "$json" \
  "No module named 'tokenizers'" ROPESCALE_TOKENIZER_PYTHON -- \
  "$BIN" --log-level warn tokenize --input docs --out x.h5 --tokenizer "$json"
mkdir corrupt
head -c 3000 "$json" > corrupt/tokenizer.json
expect_error corrupt/tokenizer.json "tokenizers" -- \
  "$BIN" --log-level warn tokenize --input docs --out x.h5 --tokenizer corrupt
mkdir nothing
expect_error nothing "tokenizer.json" "tokenizer.model" -- \
  "$BIN" --log-level warn tokenize --input docs --out x.h5 --tokenizer nothing
[ ! -e x.h5 ] || fail "a failed run left x.h5"
[ "$(ls -A | grep -c '\.tmp-')" -eq 0 ] || fail "temporary file left behind"
echo "tokenize_tokenizers_test: OK"
