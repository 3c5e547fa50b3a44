#!/usr/bin/env bash
# Single flipped bytes in data/tiny-llama.h5 that made libhdf5 1.10 crash (a damaged global-heap
# object size) or loop forever (a damaged global-heap collection size) when `score` read the
# checkpoint's string attributes, or allocate without bound (std::bad_alloc): each must now give exit 1 and one error naming the file.
set -euo pipefail
BIN=${ROPESCALE_BIN:?ROPESCALE_BIN not set}
SRC=${ROPESCALE_SOURCE_DIR:?ROPESCALE_SOURCE_DIR not set}
PY=${ROPESCALE_PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
# shellcheck source=../support/cli_errors.sh
source "$SRC/tests/support/cli_errors.sh"

cp "$SRC/data/tiny-llama.h5" good.h5
"$BIN" score --model good.h5 --tokens 1,2,3 > /dev/null || fail "the intact checkpoint does not load"

# Offsets (bytes after the "GCOL" signature) that crashed or hung before the global-heap check.
for relative in 9 10 25 26 27 28 29 30 31 65 66 67 68 69 70 71; do
  "$PY" - good.h5 bad.h5 "$relative" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.index(b"GCOL\x01\x00\x00\x00") + int(sys.argv[3])
data[at] ^= 0xFF
open(sys.argv[2], "wb").write(data)
PY
  expect_error "bad.h5: corrupt HDF5 file" timeout 20 "$BIN" score --model bad.h5 --tokens 1,2,3
  # convert logs what it reads first, so only its last line is the error.
  set +e
  timeout 20 "$BIN" convert --input bad.h5 --output out.h5 > out.txt 2> err.txt
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || fail "convert of a flip at GCOL+$relative exited $rc: $(cat err.txt)"
  tail -n 1 err.txt | grep -q "error: bad.h5: corrupt HDF5 file" || fail "convert: $(cat err.txt)"
  [ ! -e out.h5 ] || fail "convert wrote out.h5 from a corrupt checkpoint"
done
# Absolute offsets in data/tiny-llama.h5 inside dataspace extents (/rope/long_factor,
# /rope/short_factor, /weights/lm_head.weight) that ended in std::bad_alloc before the extent was
# checked against the file size.
for offset in 8604 8606 9204 9206 10180 10188; do
  "$PY" - good.h5 bad.h5 "$offset" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[int(sys.argv[3])] ^= 0xFF
open(sys.argv[2], "wb").write(data)
PY
  expect_error "bad.h5: /.*corrupt file" timeout 20 "$BIN" score --model bad.h5 --tokens 1,2,3
done
echo "corrupt HDF5 inputs: all refused"
