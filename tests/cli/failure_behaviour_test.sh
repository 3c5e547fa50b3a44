#!/usr/bin/env bash
# Faults and bad inputs end with one message naming the file or option, a non-zero exit, no
# crash, and no file of the user's changed: an output that is an input is refused in every
# command; a read-only or full output folder is refused (EROFS/ENOSPC named) before the work, or
# fails cleanly during it (no HDF5 exit-handler crash, no partial file); a re-export into a HF
# folder swaps the folder whole and keeps the user's other files; a checkpoint given as a
# search log reads "not a ropescale search log"; a SIGKILL during a write leaves no partial file.
set -euo pipefail
BIN=${ROPESCALE_BIN:?ROPESCALE_BIN not set}
SRC=${ROPESCALE_SOURCE_DIR:?ROPESCALE_SOURCE_DIR not set}
WORK=$(mktemp -d)
MOUNTS=()
cleanup() {
  for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_error TEXT COMMAND...: the command exits 1 (not a crash) and stderr contains TEXT.
expect_error() {
  local text=$1
  shift
  local rc=0
  "$@" >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
  [[ $rc == 1 ]] || fail "exit $rc (expected 1): $* ; stderr: $(tail -2 "$WORK/err")"
  grep -qF -- "$text" "$WORK/err" || fail "no '$text' in stderr of: $* ; got: $(tail -2 "$WORK/err")"
}
sums() { find "$@" -type f -print0 | sort -z | xargs -0 sha256sum; }

cp "$SRC/data/tiny-llama.h5" "$WORK/model.h5"
model=$WORK/model.h5
heldout=$SRC/data/corpus/heldout
mkdir -p "$WORK/corpus" && cp "$SRC"/data/corpus/heldout/*.txt "$WORK/corpus/"
"$BIN" --log-level warn convert --input "$model" --output "$WORK/hf"
echo "the user's notes" >"$WORK/hf/README.md"
before=$(sums "$WORK")

# 1. An output that is an input: refused in every command, nothing changed.
expect_error "--output $model: is also the input --input" \
  "$BIN" convert --input "$model" --output "$model"
expect_error "holds the input --input $WORK/hf" "$BIN" convert --input "$WORK/hf" --output "$WORK/hf"
search=("$BIN" search --model "$model" --corpus "$heldout" --population 2 --generations 0
  --documents 1 --threads 1)
expect_error "--log $model: is also the input --model" "${search[@]}" --out "$WORK/f.json" --log "$model"
expect_error "--out $model: is also the input --model" "${search[@]}" --out "$model"
expect_error "--out-model $model: is also the input --model" \
  "${search[@]}" --out "$WORK/f.json" --out-model "$model"
expect_error "--out $WORK/hf/README.md: is also the input --tokenizer" \
  "$BIN" pretrain --corpus "$WORK/corpus" --steps 1 --out "$WORK/hf/README.md" --threads 1 \
  --tokenizer "$WORK/hf/README.md"
expect_error "--out $model: is also the input --model" \
  "$BIN" train --model "$model" --data "$SRC/data/corpus/train" --out "$model" --mix off \
  --rope original --long-len 512 --steps 1 --threads 1
expect_error "--out $model: is also the input --model" \
  "$BIN" eval ppl --model "$model" --corpus "$heldout" --lengths 256 --docs 1 --out "$model"
expect_error "--out $model: is also the input --model" \
  "$BIN" documents --corpus "$heldout" --model "$model" --lengths 256 --out "$model"
expect_error "is a *.txt file inside --input" \
  "$BIN" tokenize --input "$WORK/corpus" --out "$WORK/corpus/new.txt"
expect_error "is also the input --tokenizer" \
  "$BIN" tokenize --input "$heldout" --tokenizer "$WORK/hf/README.md" --out "$WORK/hf/README.md"
# 2. A checkpoint given as a search log to resume.
cp "$model" "$WORK/ckpt-as-log.h5"
expect_error "$WORK/ckpt-as-log.h5: not a ropescale search log" \
  "${search[@]}" --out "$WORK/f.json" --log "$WORK/ckpt-as-log.h5" --resume
rm "$WORK/ckpt-as-log.h5" "$WORK/out" "$WORK/err"
[[ "$(sums "$WORK")" == "$before" ]] || fail "a refused command changed a file"

# 3. A re-export into the HF folder swaps the folder whole and keeps the user's README.
"$BIN" --log-level warn convert --input "$model" --output "$WORK/hf" --dtype bf16
grep -q '"torch_dtype": "bfloat16"' "$WORK/hf/config.json" || fail "the re-export was not written"
[[ "$(cat "$WORK/hf/README.md")" == "the user's notes" ]] || fail "the user's README was lost"
! compgen -G "$WORK/hf.*-*" >/dev/null || fail "a staging folder was left behind"

# 4. A SIGKILL during a write leaves no partial file: the old output stays whole.
cp "$model" "$WORK/kill.h5"
kill_before=$(sha256sum <"$WORK/kill.h5")
"$BIN" --log-level warn convert --input "$model" --output "$WORK/kill.h5" --dtype f16 &
pid=$!
sleep 0.05
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
now=$(sha256sum <"$WORK/kill.h5")
if [[ "$now" != "$kill_before" ]]; then  # it finished first: then the new file is whole
  "$BIN" --log-level warn convert --input "$WORK/kill.h5" --output "$WORK/check.h5" ||
    fail "the killed convert left an unreadable file"
fi
rm -f "$WORK"/kill.h5.tmp-*

# 5. Read-only and full output folders (tmpfs mounts; root only).
if ! mkdir -p "$WORK/ro" "$WORK/full" || ! mount -t tmpfs -o size=1m tmpfs "$WORK/ro" 2>/dev/null; then
  echo "SKIP part 5: mounting a tmpfs is not permitted here (needs root)"
  exit 0
fi
MOUNTS+=("$WORK/ro")
mount -o remount,ro "$WORK/ro"
mount -t tmpfs -o size=2m tmpfs "$WORK/full"
MOUNTS+=("$WORK/full")
# Read-only: refused before any work, naming the cause.
expect_error "folder $WORK/ro is not writable: Read-only file system" \
  "$BIN" pretrain --corpus "$SRC/data/corpus/train" --steps 1000000 --out "$WORK/ro/p.h5" --threads 1
expect_error "folder $WORK/ro is not writable: Read-only file system" \
  "$BIN" search --model "$model" --corpus "$heldout" --generations 1000 --threads 1 \
  --out "$WORK/ro/f.json"
expect_error "--output $WORK/ro/hf: folder $WORK/ro is not writable: Read-only file system" \
  "$BIN" convert --input "$model" --output "$WORK/ro/hf"
expect_error "folder $WORK/ro is not writable: Read-only file system" \
  "$BIN" tokenize --input "$heldout" --out "$WORK/ro/t.h5"
# Full: the write fails with ENOSPC named, exit 1 (no crash in HDF5's exit handler), no partial file.
expect_error "No space left on device" "$BIN" convert --input "$model" --output "$WORK/full/m.h5"
expect_error "No space left on device" "$BIN" convert --input "$model" --output "$WORK/full/hf"
[[ -z "$(ls -A "$WORK/full")" ]] || fail "a failed write left files: $(ls -A "$WORK/full")"
# A search log and a pretraining checkpoint that no longer fit.
dd if=/dev/zero of="$WORK/full/filler" bs=1k count=2040 2>/dev/null || true
expect_error "No space left on device" "${search[@]}" --target-len 512 --out "$WORK/f.json" \
  --log "$WORK/full/s.h5"
expect_error "No space left on device" \
  "$BIN" pretrain --corpus "$SRC/data/corpus/train" --hidden 16 --layers 1 --heads 2 --kv-heads 2 --ffn 32 --context 160 \
  --batch 1 --steps 4 --checkpoint-every 2 --threads 1 --out "$WORK/full/p.h5"
[[ "$(ls -A "$WORK/full")" == "filler" ]] || fail "a failed write left files: $(ls -A "$WORK/full")"
# An existing HF folder on a full disk keeps its old weights when the re-export fails.
rm "$WORK/full/filler"
"$BIN" --log-level warn convert --input "$model" --output "$WORK/full/hf" --dtype bf16
old=$(sums "$WORK/full/hf")
expect_error "No space left on device" "$BIN" convert --input "$model" --output "$WORK/full/hf"
[[ "$(sums "$WORK/full/hf")" == "$old" ]] || fail "the failed re-export changed the old folder"
echo "PASS"
