#!/usr/bin/env bash
# Hardening: results written to a full device (stdout > /dev/full) end with exit 1 and a message,
# never 0; an absurd --threads is refused with a message naming the option (it used to crash the
# OpenMP runtime with a segfault in pretrain and train); out-of-range numbers that used to be
# accepted or silently replaced (a negative attention factor, target length, critical index, seed,
# learning rate or warm-up; a population or document count that exhausts memory) are refused.
set -euo pipefail
BIN=${ROPESCALE_BIN:?ROPESCALE_BIN not set}
SRC=${ROPESCALE_SOURCE_DIR:?ROPESCALE_SOURCE_DIR not set}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_error CODE TEXT COMMAND...: the command exits with CODE and stderr contains TEXT.
expect_error() {
  local code=$1 text=$2
  shift 2
  local rc=0
  "$@" >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
  [[ $rc == "$code" ]] || fail "exit $rc (expected $code): $* ; stderr: $(tail -2 "$WORK/err")"
  grep -qF -- "$text" "$WORK/err" || fail "no '$text' in stderr of: $* ; got: $(tail -2 "$WORK/err")"
}

model=$SRC/data/tiny-llama.h5
# Writing to /dev/full fails at the flush.
for args in "rope critical-dim --head-dim 32 --base 10000 --train-len 256 --json" \
  "eval passkey --model $model --corpus $SRC/data/corpus/heldout --lengths 256 --docs 1 --json"; do
  rc=0
  # shellcheck disable=SC2086
  "$BIN" --log-level warn $args >/dev/full 2>"$WORK/err" || rc=$?
  [[ $rc == 1 ]] || fail "exit $rc with stdout on /dev/full: $args"
  grep -q "writing the results to standard output failed" "$WORK/err" || fail "message: $(cat "$WORK/err")"
done
# The same commands with a working stdout still exit 0.
"$BIN" rope critical-dim --head-dim 32 --base 10000 --train-len 256 --json >/dev/null

expect_error 1 "--threads: 100000 is outside [0, 4096]" \
  "$BIN" pretrain --corpus "$SRC/data/corpus/train" --steps 1 --out "$WORK/p.h5" --threads 100000
expect_error 1 "--threads: -3 is outside [0, 4096]" \
  "$BIN" pretrain --corpus "$SRC/data/corpus/train" --steps 1 --out "$WORK/p.h5" --threads -3
expect_error 1 "--threads: 100000 is outside [0, 4096]" \
  "$BIN" train --model "$model" --data "$SRC/data/corpus/train" --out "$WORK/t.h5" --mix off \
  --rope original --long-len 512 --steps 1 --threads 100000
expect_error 1 "--threads: 100000 is outside [0, 4096]" \
  "$BIN" search --model "$model" --corpus "$SRC/data/corpus/heldout" --out "$WORK/f.json" \
  --population 2 --generations 0 --documents 1 --threads 100000
expect_error 1 "--threads: 100000 is outside [0, 4096]" \
  "$BIN" eval ppl --model "$model" --corpus "$SRC/data/corpus/heldout" --lengths 256 --docs 1 \
  --threads 100000
# Numbers out of range are refused before any work, naming the option.
search=("$BIN" search --model "$model" --corpus "$SRC/data/corpus/heldout" --out "$WORK/f.json"
  --generations 0)
expect_error 1 "--attention-factor: -1 is not a number > 0" "${search[@]}" --attention-factor -1
expect_error 1 "--attention-factor: nan is not a number > 0" "${search[@]}" --attention-factor nan
expect_error 1 "--target-len: -5 < 0" "${search[@]}" --target-len -5
expect_error 1 "--critical-index: -5 < -1" "${search[@]}" --method longrope2 --critical-index -5
expect_error 1 "--population: 2000000000 is outside" "${search[@]}" --population 2000000000
expect_error 1 "--documents: 100000 is outside" "${search[@]}" --documents 100000
expect_error 105 "--seed: must be an integer >= 0, got -1" "${search[@]}" --seed -1
pretrain=("$BIN" pretrain --corpus "$SRC/data/corpus/train" --steps 1 --out "$WORK/p.h5")
expect_error 1 "--lr: -1 is outside (0, 1]" "${pretrain[@]}" --lr -1
expect_error 1 "--lr: nan is outside (0, 1]" "${pretrain[@]}" --lr nan
expect_error 1 "--warmup: -5 < 0" "${pretrain[@]}" --warmup -5
expect_error 105 "--seed: must be an integer >= 0, got -1" "${pretrain[@]}" --seed -1
expect_error 1 "--lr: -1 is outside (0, 1]" "$BIN" train --model "$model" \
  --data "$SRC/data/corpus/train" --out "$WORK/t.h5" --mix off --rope original --long-len 512 \
  --steps 1 --lr -1
[[ ! -e "$WORK/p.h5" && ! -e "$WORK/t.h5" && ! -e "$WORK/f.json" ]] || fail "an output was written"
echo "output and threads: ok"
