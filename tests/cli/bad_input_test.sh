#!/usr/bin/env bash
# Bad inputs, table-driven: each row is a command that must end with exit 1 (an Error, not a
# crash or a CLI11 usage code), one stderr line naming the file or option (the row's text), and
# no file in the work folder changed (checksums before and after).
set -euo pipefail
BIN=${ROPESCALE_BIN:?ROPESCALE_BIN not set}
SRC=${ROPESCALE_SOURCE_DIR:?ROPESCALE_SOURCE_DIR not set}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

W=$WORK/files
mkdir -p "$W"
cp "$SRC/data/tiny-llama.h5" "$W/model.h5"
"$BIN" --log-level warn convert --input "$W/model.h5" --output "$W/hf"
cp -r "$W/hf" "$W/huge-number"
sed -i 's/"hidden_size": [0-9]*/"hidden_size": 1e400/' "$W/huge-number/config.json"
cp -r "$W/hf" "$W/big-int"
sed -i 's/"hidden_size": [0-9]*/"hidden_size": 99999999999/' "$W/big-int/config.json"
echo "not hdf5" >"$W/garbage.h5"
heldout=$SRC/data/corpus/heldout
train=$SRC/data/corpus/train

# One row per line: the expected text, a TAB, then the arguments (word-split; no spaces in paths).
cases=$(
  cat <<ROWS
$W/missing.h5: no such file or folder	convert --input $W/missing.h5 --output $WORK/o.h5
$W/garbage.h5: not an HDF5 file	convert --input $W/garbage.h5 --output $WORK/o.h5
$W/huge-number/config.json: not valid JSON	convert --input $W/huge-number --output $WORK/o.h5
$W/big-int/config.json: field 'hidden_size'	convert --input $W/big-int --output $WORK/o.h5
--output $W/model.h5: is also the input --input	convert --input $W/model.h5 --output $W/model.h5
folder $WORK/no/such does not exist	convert --input $W/model.h5 --output $WORK/no/such/o.h5
$W/huge-number/config.json: not valid JSON	rope show --config $W/huge-number/config.json
$W/garbage.h5: not an HDF5 file	score --model $W/garbage.h5 --tokens 1,2,3
$W/huge-number/config.json: not valid JSON	score --model $W/huge-number --tokens 1,2,3
$W/garbage.h5: not an HDF5 file	eval ppl --model $W/garbage.h5 --corpus $heldout --lengths 256 --docs 1
--out $W/model.h5: is also the input --model	eval ppl --model $W/model.h5 --corpus $heldout --lengths 256 --docs 1 --out $W/model.h5
--log $W/model.h5: is also the input --model	search --model $W/model.h5 --corpus $heldout --out $WORK/f.json --log $W/model.h5
--out $W/model.h5: is also the input --model	search --model $W/model.h5 --corpus $heldout --out $W/model.h5
$W/model.h5: not a ropescale search log	search --model $W/hf --corpus $heldout --out $WORK/f.json --log $W/model.h5 --resume --population 2 --generations 1 --documents 1
$W/garbage.h5: not a readable HDF5 file	search --model $W/model.h5 --corpus $heldout --out $WORK/f.json --log $W/garbage.h5 --resume --population 2 --generations 1 --documents 1
folder $WORK/no/such does not exist	search --model $W/model.h5 --corpus $heldout --out $WORK/no/such/f.json
folder $WORK/no/such does not exist	pretrain --corpus $train --steps 1 --out $WORK/no/such/p.h5
--out $W/model.h5: is also the input --model	train --model $W/model.h5 --data $train --out $W/model.h5 --mix off --rope original --long-len 512 --steps 1
--metrics $W/model.h5: is also the input --model	train --model $W/model.h5 --data $train --out $WORK/t.h5 --metrics $W/model.h5 --mix off --rope original --long-len 512 --steps 1
folder $WORK/no/such does not exist	tokenize --input $heldout --out $WORK/no/such/t.h5
--out $W/hf/config.json: is also the input --tokenizer	tokenize --input $heldout --tokenizer $W/hf/config.json --out $W/hf/config.json
--out $W/model.h5: is also the input --model	documents --corpus $heldout --model $W/model.h5 --lengths 256 --out $W/model.h5
folder $WORK/no/such does not exist	documents --corpus $heldout --lengths 256 --out $WORK/no/such/d.h5
ROWS
)

sums() { find "$W" -type f -print0 | sort -z | xargs -0 sha256sum; }
before=$(sums)
count=0
while IFS=$'\t' read -r text args; do
  [[ -n "$args" ]] || continue
  rc=0
  # shellcheck disable=SC2086
  "$BIN" --log-level warn $args >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
  [[ $rc == 1 ]] || fail "exit $rc (expected 1): $args ; stderr: $(tail -2 "$WORK/err")"
  grep -qF -- "$text" "$WORK/err" || fail "no '$text' in stderr of: $args ; got: $(cat "$WORK/err")"
  [[ $(grep -c "ropescale: error:" "$WORK/err") == 1 ]] || fail "not one error line: $args"
  [[ "$(sums)" == "$before" ]] || fail "a file changed: $args"
  ! compgen -G "$WORK/*.tmp-*" >/dev/null || fail "a temporary was left: $args"
  count=$((count + 1))
done <<<"$cases"
echo "PASS: $count bad inputs"
