# `ropescale train` end to end on a tiny model (window 32 -> 128): help, bad input, SIGTERM then
# --resume bit-identical to an uninterrupted run, kill -9 during checkpoint writes never leaves an
# unreadable checkpoint, a NaN stops with the last checkpoint intact, SIGUSR1 under mpirun -np 2,
# that 2-rank checkpoint resumed on 1 rank, and a 2-rank stop/resume bit-identical.
set -euo pipefail
: "${ROPESCALE_BIN:?set ROPESCALE_BIN to the ropescale program}"
: "${ROPESCALE_SOURCE_DIR:?set ROPESCALE_SOURCE_DIR to the source tree}"
source "$ROPESCALE_SOURCE_DIR/env/mpi-env.sh"
WORK=$(mktemp -d /tmp/ropescale-train-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
CORPUS="$ROPESCALE_SOURCE_DIR/data/corpus/heldout"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
cursor() { h5dump -a /training/data_cursor "$1" | awk '/\(0\)/{print $2}'; }
# Waits (at most 30 s) until a run's metrics file holds its first step.
wait_for_first_step() {
  for _ in $(seq 1 3000); do
    [[ -s "$1" ]] && return
    sleep 0.01
  done
}

"$ROPESCALE_BIN" --log-level warn pretrain --corpus "$CORPUS" --out "$WORK/base.h5" --hidden 32 \
  --layers 1 --heads 2 --kv-heads 2 --ffn 64 --context 32 --batch 2 --steps 1 --warmup 1 \
  --threads 1 > /dev/null
cat > "$WORK/factors.json" <<'JSON'
{"rope_type": "longrope", "original_max_position_embeddings": 32, "factor": 4.0,
 "short_factor": [1, 1, 1, 1, 1, 1, 1, 1],
 "long_factor": [1.0, 1.2, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0]}
JSON
# (exec: a backgrounded call is the ropescale process itself, so signals reach it.)
train() {
  OMP_NUM_THREADS=1 exec "$ROPESCALE_BIN" --log-level warn train --model "$WORK/base.h5" \
    --data "${DATA:-$CORPUS}" --factors "$WORK/factors.json" --short-len 32 --long-len 128 \
    --global-batch-tokens 512 --lr 3e-3 --warmup 2 --seed 3 --threads 1 "$@"
}
# Foreground calls run in a subshell so that exec replaces only that.
run_train() { (train "$@"); }

"$ROPESCALE_BIN" train --help | grep -q -- "--long-token-share" || fail "--help lacks options"

# Bad input: named in the message, non-zero exit, nothing written.
if OMP_NUM_THREADS=1 "$ROPESCALE_BIN" train --model "$WORK/base.h5" --data "$CORPUS" \
  --factors "$WORK/factors.json" --short-len 16 --long-len 32 --global-batch-tokens 512 \
  --steps 2 --out "$WORK/x.h5" 2> "$WORK/err.txt"; then
  fail "long rows no longer than the window accepted"
fi
grep -q "long_len 32" "$WORK/err.txt" || fail "no message naming long_len: $(cat "$WORK/err.txt")"
touch "$WORK/x.step00000002.h5"
if OMP_NUM_THREADS=1 "$ROPESCALE_BIN" train --model "$WORK/x.step00000002.h5" --out "$WORK/x.h5" \
  --data "$CORPUS" 2> "$WORK/err.txt"; then
  fail "a snapshot of --out accepted as --model"
fi
grep -q "snapshot" "$WORK/err.txt" || fail "no message about the snapshot: $(cat "$WORK/err.txt")"
rm "$WORK/x.step00000002.h5"
if run_train --steps 2 --out "$WORK/base.h5" 2> "$WORK/err.txt"; then fail "--out = --model accepted"; fi
grep -q -- "--out" "$WORK/err.txt" || fail "no message naming --out: $(cat "$WORK/err.txt")"
if DATA="$WORK/nope" run_train --steps 2 --out "$WORK/x.h5" 2> "$WORK/err.txt"; then
  fail "missing --data accepted"
fi
grep -q "nope" "$WORK/err.txt" || fail "no message naming the data path: $(cat "$WORK/err.txt")"
[[ ! -e "$WORK/x.h5" ]] || fail "a failed run wrote --out"

# Single-RoPE baselines: every row on YaRN / on the long factors; the checkpoint holds that RoPE.
run_train --steps 2 --out "$WORK/yarn.h5" --mix off --rope yarn > /dev/null
h5dump -a /rope/kind "$WORK/yarn.h5" | grep -q '"yarn"' || fail "--mix off --rope yarn: RoPE not yarn"
run_train --steps 2 --out "$WORK/ntk.h5" --mix off --rope ntk > /dev/null
h5dump -a /rope/kind "$WORK/ntk.h5" | grep -q '"ntk"' || fail "--mix off --rope ntk: RoPE not ntk"
run_train --steps 2 --out "$WORK/lf.h5" --mix off --rope factors > /dev/null
h5dump -d /rope/short_factor "$WORK/lf.h5" | grep -q "1.2" || fail "--rope factors: short != long"
if run_train --steps 2 --out "$WORK/bad.h5" --rope yarn 2> "$WORK/err.txt"; then
  fail "--rope yarn without --mix off accepted"
fi
grep -q -- "--mix off" "$WORK/err.txt" || fail "no message naming --mix off: $(cat "$WORK/err.txt")"

# Token shards as --data give the same run as the folder they were made from; the trained model
# exports to a HF folder whose rope_scaling is the longrope block it was trained on.
"$ROPESCALE_BIN" --log-level warn tokenize --input "$CORPUS" --out "$WORK/shards.h5" > /dev/null
run_train --steps 3 --out "$WORK/from-dir.h5" > /dev/null
DATA="$WORK/shards.h5" run_train --steps 3 --out "$WORK/from-shards.h5" > /dev/null
h5diff "$WORK/from-dir.h5" "$WORK/from-shards.h5" /weights /weights || fail "shards != folder"
"$ROPESCALE_BIN" --log-level warn convert --input "$WORK/from-shards.h5" --output "$WORK/hf" \
  > /dev/null
grep -q '"longrope"' "$WORK/hf/config.json" || fail "export: rope_scaling is not longrope"
grep -q '"original_max_position_embeddings": 32' "$WORK/hf/config.json" ||
  fail "export: original_max_position_embeddings is not 32"

# 1. Uninterrupted.
run_train --steps 300 --out "$WORK/full.h5" --metrics "$WORK/full.jsonl" > /dev/null
[[ $(wc -l < "$WORK/full.jsonl") -eq 300 ]] || fail "metrics: expected 300 lines"

# 2. SIGTERM mid-run -> exit 75 with a checkpoint, then --resume: bit-identical weights.
train --steps 300 --out "$WORK/sig.h5" --metrics "$WORK/sig.jsonl" > /dev/null &
pid=$!
wait_for_first_step "$WORK/sig.jsonl"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[[ $rc -eq 75 ]] || fail "SIGTERM: exit code $rc, expected 75"
stopped=$(cursor "$WORK/sig.h5")
echo "stopped at step $stopped of 300"
[[ $stopped -ge 1 && $stopped -lt 300 ]] || fail "the stop did not land mid-run"
run_train --steps 300 --out "$WORK/sig.h5" --metrics "$WORK/sig.jsonl" --resume > /dev/null
h5diff "$WORK/full.h5" "$WORK/sig.h5" /weights /weights || fail "resumed weights differ"
h5diff "$WORK/full.h5" "$WORK/sig.h5" /training/m /training/m || fail "resumed moments differ"
[[ $(wc -l < "$WORK/sig.jsonl") -eq 300 ]] || fail "resumed metrics: expected 300 lines"

# 3. kill -9 at random moments of a run that checkpoints every step: the checkpoint at --out is
# always readable.
run_train --steps 2 --out "$WORK/k9.h5" > /dev/null
for attempt in 1 2 3 4 5; do
  train --steps 100000 --out "$WORK/k9.h5" --resume --checkpoint-every 1 --keep-checkpoints 1 \
    > /dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 9 + 1))"
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  "$ROPESCALE_BIN" --log-level warn score --model "$WORK/k9.h5" --tokens 72,101,108 > /dev/null ||
    fail "after kill -9 #$attempt the checkpoint is unreadable"
  echo "kill -9 #$attempt: checkpoint at step $(cursor "$WORK/k9.h5") readable"
done

# 4. A NaN at step 5: exit 1 naming the step, the checkpoint of step 4 intact.
rc=0
run_train --steps 10 --out "$WORK/nan.h5" --checkpoint-every 1 --inject-nan-at-step 5 \
  > /dev/null 2> "$WORK/err.txt" || rc=$?
[[ $rc -eq 1 ]] || fail "NaN: exit code $rc, expected 1"
grep -q "step 5" "$WORK/err.txt" || fail "NaN message does not name step 5: $(cat "$WORK/err.txt")"
[[ $(cursor "$WORK/nan.h5") -eq 5 ]] || fail "NaN: the last good checkpoint is not step 5's"

# 5. Two ranks, SIGUSR1 (what Slurm sends with --signal) to mpirun: checkpoint and exit 75.
OMP_NUM_THREADS=1 mpirun -np 2 "$ROPESCALE_BIN" --log-level warn train --model "$WORK/base.h5" \
  --data "$CORPUS" --factors "$WORK/factors.json" --short-len 32 --long-len 128 \
  --global-batch-tokens 512 --lr 3e-3 --warmup 2 --seed 3 --threads 1 --steps 2000 \
  --out "$WORK/mpi.h5" --metrics "$WORK/mpi.jsonl" > /dev/null &
pid=$!
wait_for_first_step "$WORK/mpi.jsonl"
kill -USR1 "$pid"
rc=0
wait "$pid" || rc=$?
[[ $rc -eq 75 ]] || fail "mpirun + SIGUSR1: exit code $rc, expected 75"
stopped=$(cursor "$WORK/mpi.h5")
[[ $stopped -ge 1 && $stopped -lt 2000 ]] || fail "mpirun + SIGUSR1: no mid-run checkpoint"
# ... and the 2-rank checkpoint resumes on 1 rank (same global batch; fp32 rounding may differ).
run_train --steps 2000 --out "$WORK/mpi.h5" --metrics "$WORK/mpi.jsonl" --resume \
  --max-steps-this-run 3 > /dev/null
[[ $(cursor "$WORK/mpi.h5") -eq $((stopped + 3)) ]] || fail "resume on 1 rank did not continue"
[[ $(wc -l < "$WORK/mpi.jsonl") -eq $((stopped + 3)) ]] || fail "metrics after the rank change"
# 6. On 2 ranks too, a stopped and resumed run ends bit-identical to an uninterrupted one.
mpi_train() {
  OMP_NUM_THREADS=1 mpirun -np 2 "$ROPESCALE_BIN" --log-level warn train --model "$WORK/base.h5" \
    --data "$CORPUS" --factors "$WORK/factors.json" --short-len 32 --long-len 128 \
    --global-batch-tokens 512 --lr 3e-3 --warmup 2 --seed 3 --threads 1 --steps 30 "$@" > /dev/null
}
mpi_train --out "$WORK/mpi-full.h5"
mpi_train --out "$WORK/mpi-resumed.h5" --max-steps-this-run 11
[[ $(cursor "$WORK/mpi-resumed.h5") -eq 11 ]] || fail "2 ranks: no checkpoint at step 11"
mpi_train --out "$WORK/mpi-resumed.h5" --resume
h5diff "$WORK/mpi-full.h5" "$WORK/mpi-resumed.h5" /weights /weights || fail "2 ranks: weights differ"
h5diff "$WORK/mpi-full.h5" "$WORK/mpi-resumed.h5" /training/v /training/v ||
  fail "2 ranks: moments differ"
echo "train_cli_test: OK"
