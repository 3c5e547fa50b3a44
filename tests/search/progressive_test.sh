# jobs/progressive.sh with tiny settings (a 1-layer model of window 32: 8x = 256, 64x = 2048;
# every stage runs on 2 MPI ranks with a few candidates and steps): the stages chain (the second
# search starts from the fine-tuned model and the rescaled first factors, the short-window
# recovery from the second search's model, the HF export carries both factor sets); a training
# stopped part-way (exit 75) and a run killed with SIGKILL at some point both resume at the stage
# they were in and end with the same factors as an uninterrupted run; a finished run is all
# skipped; other settings on a finished stage are refused.
source "$(dirname "$0")/search_test_lib.sh"
make_tiny_model "$WORK/tiny.h5"
export MODEL="$WORK/tiny.h5" WINDOW=32 SCALE1=8 SCALE2=8 RANKS=2 POPULATION=4 GENERATIONS=1 \
  SEARCH_DOCS=1 SHORT_GENERATIONS=2 SHORT_DOCS=2 TRAIN_STEPS=4 TRAIN_BATCH_TOKENS=512 WARMUP=1 \
  EVAL_DOCS=1 PYTHON="${ROPESCALE_PYTHON:-/usr/bin/python3}"
pipeline() {  # OUT_DIR [ENV=VALUE...]: the pipeline's exit status; stderr in OUT_DIR.log
  local dir=$1
  shift
  env OUT_DIR="$dir" "$@" bash "$ROPESCALE_SOURCE_DIR/jobs/progressive.sh" > "$dir.out" \
    2> "$dir.log"
}
stages=(1-search 2-train 3-search 4-short 5-eval 6-export)

# Uninterrupted reference.
pipeline "$WORK/ref" || { cat "$WORK/ref.log" >&2; fail "progressive.sh failed"; }
for s in "${stages[@]}"; do [[ -f "$WORK/ref/stages/$s.done" ]] || fail "no marker for $s"; done
python3 - "$WORK/ref" << 'PY'
import json, subprocess, sys
ref = sys.argv[1]
def load(path):
    return json.load(open(f"{ref}/{path}"))
def check(ok, what):
    if not ok:
        sys.exit(f"FAIL: {what}")
first, second, short = load("1-search/result.json"), load("3-search/result.json"), load("4-short/result.json")
check((first["original_len"], first["target_len"]) == (32, 256), "stage 1: 32 -> 256")
check((second["original_len"], second["target_len"]) == (32, 2048), "stage 3: 32 -> 2048")
check((short["factors"], short["target_len"], short["fitness"]) == ("short", 32, "ppl"),
      "stage 4: short factors at 32 by perplexity")
check(load("2-train/trained.h5.summary.json")["steps"] == 4, "training ran its 4 steps")
# Stage 3 was seeded by stage 1's factors rescaled from s = 8 to s = 64: 1 + 9 (f - 1).
seed = [1 + 9 * (f - 1) for f in load("1-search/factors.json")["long_factor"]]
grid = subprocess.run(["h5dump", "-d", "/generations/g000000/grid", "-y", "-w", "0",
                       f"{ref}/3-search/search.h5"], capture_output=True, text=True).stdout
row = grid.split("DATA {")[1].splitlines()[1]
first_member = [int(v) / 100 for v in row.replace(",", " ").split()]
# Snapped into the longrope2 space of s = 64 (S_max = 128): below the critical index into
# [1, s + 5], from it on into [s, S_max], then made monotone.
critical = second["critical_index"]
expected, running = [], 0
for i, f in enumerate(seed):
    low, high = (100, 6900) if i < critical else (6400, 12800)
    running = max(running, min(max(round(f * 100), low), high))
    expected.append(running / 100)
check(first_member == expected, f"stage 3 seed {first_member} != rescaled stage 1 {expected}")
hf = json.load(open(f"{ref}/6-export/final/config.json"))["rope_scaling"]
block4 = load("4-short/factors.json")
check(hf["long_factor"] == load("3-search/factors.json")["long_factor"], "HF long = stage 3")
check(hf["short_factor"] == short["exported"]["short_factor"] == block4["short_factor"],
      "HF short = stage 4")
check(hf["factor"] == 64.0 and hf["original_max_position_embeddings"] == 32, "HF 64x of 32")
for name in ("base.json", "stages.json"):
    lengths = {r["length"] for r in load(f"5-eval/{name}")["results"]}
    check(lengths == {32, 256, 2048}, f"{name}: lengths {lengths}")
PY
grep -q '| ppl@2048 |\|ppl@2048' "$WORK/ref.out" || fail "the eval table is not printed"

# A finished run again: every stage skipped, nothing rewritten.
cp "$WORK/ref/4-short/factors.json" "$WORK/ref-short.json"
touch -d '2000-01-01' "$WORK/ref/4-short/factors.json"
pipeline "$WORK/ref" || fail "rerun of a finished pipeline failed"
test "$(grep -c 'done, skipped' "$WORK/ref.log")" -eq 6 || fail "not all 6 stages skipped"
test "$(stat -c %Y "$WORK/ref/4-short/factors.json")" -eq "$(date -d 2000-01-01 +%s)" ||
  fail "a skipped stage rewrote its output"
# Other settings on a finished stage: refused, naming the stage.
if pipeline "$WORK/ref" SEED=2; then fail "a finished stage accepted other settings"; fi
grep -q "stage 1-search was completed with other settings" "$WORK/ref.log" ||
  fail "settings change: $(cat "$WORK/ref.log")"

# Training stopped after 2 of 4 steps (exit 75), then resumed by running the script again.
status=0
pipeline "$WORK/stopped" TRAIN_STEPS_PER_RUN=2 || status=$?
test "$status" -eq 75 || fail "stopped training: exit $status, not 75"
[[ -f "$WORK/stopped/stages/1-search.done" && ! -f "$WORK/stopped/stages/2-train.done" ]] ||
  fail "stopped run: markers"
pipeline "$WORK/stopped" || { cat "$WORK/stopped.log" >&2; fail "resumed run failed"; }
grep -q '1-search: done, skipped' "$WORK/stopped.log" || fail "stage 1 not skipped on resume"
grep -q '2-train: done, skipped' "$WORK/stopped.log" && fail "stage 2 skipped though unfinished"
cmp "$WORK/stopped/4-short/factors.json" "$WORK/ref-short.json" ||
  fail "stopped and resumed: other final factors than the uninterrupted run"

# SIGKILL of the whole pipeline once the second search has started, then run again.
mkdir -p "$WORK/killed"
setsid env OUT_DIR="$WORK/killed" bash "$ROPESCALE_SOURCE_DIR/jobs/progressive.sh" \
  > /dev/null 2> "$WORK/killed-1.log" &
leader=$!  # setsid execs in place: this pid leads the pipeline's process group
for _ in $(seq 1 600); do
  [[ -f "$WORK/killed/stages/2-train.done" ]] && break
  sleep 0.05
done
kill -9 -- "-$leader" 2> /dev/null || true
{ wait "$leader"; } 2> /dev/null || true
pipeline "$WORK/killed" || { cat "$WORK/killed.log" >&2; fail "run after SIGKILL failed"; }
cmp "$WORK/killed/4-short/factors.json" "$WORK/ref-short.json" ||
  fail "killed and rerun: other final factors than the uninterrupted run"
grep -q '1-search: done, skipped' "$WORK/killed.log" || fail "killed: stage 1 not skipped"
echo "progressive_test: OK"
