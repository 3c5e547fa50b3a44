#!/usr/bin/env bash
# Preemption of jobs/train.sbatch on a local Slurm cluster: the warning signal (SIGUSR1 to the
# batch shell, as --signal=B:USR1@... sends it before the time limit) mid-run makes the training
# checkpoint and exit 75, the job requeues itself and resumes from the checkpoint, and ends with
# the same weights and optimizer moments as the same job run without interruption, every step
# trained once.
source "$ROPESCALE_SOURCE_DIR/tests/slurm/slurm_test_lib.sh"
steps=1000

# A throw-away model (window 32) and factors for 4x, so that a step takes milliseconds.
"$ROPESCALE_BIN" --log-level warn pretrain --corpus "$SRC/data/corpus/heldout" --out base.h5 \
  --hidden 32 --layers 1 --heads 2 --kv-heads 2 --ffn 64 --context 32 --batch 2 --steps 1 \
  --warmup 1 --threads 1 > /dev/null
cat > factors.json << 'JSON'
{"rope_type": "longrope", "original_max_position_embeddings": 32, "factor": 4.0,
 "short_factor": [1, 1, 1, 1, 1, 1, 1, 1],
 "long_factor": [1.0, 1.2, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0]}
JSON
cat > train.conf << CONF
RS_RUNS_DIR=runs
RS_MODEL=base.h5
RS_FACTORS=factors.json
RS_TRAIN_DATA=$SRC/data/corpus/heldout
RS_SHORT_LEN=32
RS_TARGET_LEN=128
RS_GLOBAL_BATCH_TOKENS=512
RS_STEPS=$steps
RS_LR=3e-3
RS_WARMUP=2
RS_SEED=3
RS_THREADS=1
RS_CHECKPOINT_EVERY=0
RS_LOG_LEVEL=warn
CONF
mkdir -p runs/logs
submit() { sbatch --parsable --output="runs/logs/%x-%j.out" "$SRC/jobs/train.sbatch" train.conf; }
# warn ID RUN: once the job trained a step, the warning signal as Slurm sends it to the batch shell.
warn() {
  for _ in $(seq 3000); do
    [[ -s $2/metrics.jsonl ]] && break
    sleep 0.01
  done
  [[ -s $2/metrics.jsonl ]] || fail "job $1 trained no step in 30 s"
  scancel --signal=USR1 --batch "$1"
}
stopped=$(submit)
reference=$(submit)
warn "$stopped" "runs/train-$stopped"
wait_job "$stopped"
wait_job "$reference"
expect_state "$stopped" COMPLETED
expect_state "$reference" COMPLETED

log=runs/logs/ropescale-train-$stopped.out
at=$(sed -n 's/.*stop signal after step \([0-9]*\):.*/\1/p' "$log")
[[ -n $at ]] || fail "no checkpoint on the signal in $log"
((at >= 1 && at < steps)) || fail "the signal landed after step $at, not mid-run"
echo "job $stopped: checkpoint after step $at of $steps, then requeued"
grep -q "requeueing job $stopped; attempt 1 resumes" "$log" || fail "no requeue in $log"
[[ $(job_field "$stopped" Restarts) == 1 ]] || fail "job $stopped restarted $(job_field "$stopped" Restarts) times"
[[ $(job_field "$reference" Restarts) == 0 ]] || fail "the reference job was restarted"
grep -q "attempt 1: completed" "runs/train-$stopped/attempts.txt" || fail "attempts.txt"
grep -q "attempt 1: .*train .*--resume" "runs/train-$stopped/commands.txt" ||
  fail "attempt 1 did not pass --resume"
h5diff "runs/train-$reference/model.h5" "runs/train-$stopped/model.h5" /weights /weights ||
  fail "the resumed run's weights differ from the uninterrupted run's"
h5diff "runs/train-$reference/model.h5" "runs/train-$stopped/model.h5" /training/m /training/m ||
  fail "the resumed run's optimizer moments differ"
# No step twice, none left out: the metrics hold steps 1..steps once each.
"$PY" - "runs/train-$stopped/metrics.jsonl" "$steps" << 'PY' || fail "metrics.jsonl"
import json, sys
steps = [json.loads(line)["step"] for line in open(sys.argv[1])]
assert steps == list(range(1, int(sys.argv[2]) + 1)), steps[:5]
PY

# With RS_MAX_REQUEUES=0 the warned job stops with exit 75 (recorded by Slurm), and the same job
# submitted again on its run folder resumes it by hand to the same weights.
by_hand=$(RS_MAX_REQUEUES=0 submit)
warn "$by_hand" "runs/train-$by_hand"
wait_job "$by_hand"
expect_state "$by_hand" FAILED
[[ $(job_field "$by_hand" ExitCode) == 75:0 ]] || fail "job $by_hand: exit $(job_field "$by_hand" ExitCode)"
grep -q "not requeued again after 0 requeues" "runs/logs/ropescale-train-$by_hand.out" ||
  fail "job $by_hand: no message about RS_MAX_REQUEUES"
again=$(RS_RUN_DIR=runs/train-$by_hand submit)
wait_job "$again"
expect_state "$again" COMPLETED
h5diff "runs/train-$reference/model.h5" "runs/train-$by_hand/model.h5" /weights /weights ||
  fail "resumed by hand, the weights differ from the uninterrupted run's"
[[ $(wc -l < "runs/train-$by_hand/metrics.jsonl") == "$steps" ]] || fail "metrics after the resume by hand"
[[ ! -e runs/train-$again ]] || fail "the resume by hand made a run folder of its own"
echo "preemption: requeued job $stopped and job $by_hand resumed by hand end with the weights of job $reference"
