#!/usr/bin/env bash
# jobs/search-array.sh on a local Slurm cluster: three seeds of a tiny search as one job array,
# three run folders (each task's search really ran with its seed), and one summary table that
# holds every task's result.
source "$ROPESCALE_SOURCE_DIR/tests/slurm/slurm_test_lib.sh"

tiny_config array.conf RS_SEEDS=1,2,3 RS_LOG_LEVEL=warn
bash "$SRC/jobs/search-array.sh" array.conf > submitted.txt
cat submitted.txt
array=$(sed -n 's/^search array job \([0-9]*\):.*/\1/p' submitted.txt)
summary=$(sed -n 's/^summary job \([0-9]*\),.*/\1/p' submitted.txt)
[[ -n $array && -n $summary ]] || fail "search-array.sh printed no job ids"
wait_job "$summary"
expect_state "$summary" COMPLETED
for task in 0 1 2; do
  run=runs/search-${array}_$task
  [[ -s $run/factors.json && -s $run/search.json ]] || fail "$run holds no result"
  [[ $(cat "$run/status") == completed ]] || fail "$run/status: $(cat "$run/status")"
  grep -q "^RS_SEED=$((task + 1)) " "$run/settings.conf" || fail "$run: seed is not $((task + 1))"
done
# Task 2 is the search with seed 3: the same search run here gives the same factors.
"$ROPESCALE_BIN" --log-level warn search --model "$SRC/data/tiny-llama.h5" \
  --corpus "$SRC/data/corpus/heldout" --method longrope2 --target-len 512 --seed 3 \
  --population 4 --generations 1 --documents 2 --threads 1 --out seed3.json > /dev/null
cmp seed3.json "runs/search-${array}_2/factors.json" || fail "task 2 is not the search with seed 3"
table=runs/search-$array-summary.md
[[ -s $table ]] || fail "no summary $table"
cat "$table"
grep -q "^# Search array $array: 3 of 3 tasks completed" "$table" || fail "summary header"
"$PY" - "$table" "runs/search-$array" << 'PY' || fail "the summary does not match the runs"
import json, sys
table, prefix = sys.argv[1:]
rows = [l.split("|")[1:-1] for l in open(table) if l.startswith("| ") and l.split("|")[1].strip().isdigit()]
tasks = [r for r in rows if len(r) == 7]
assert len(tasks) == 3, rows
for task, seed, target, status, generations, fitness, factors in tasks:
    result = json.load(open(f"{prefix}_{task.strip()}/search.json"))
    assert int(seed) == int(task) + 1 and int(target) == 512 and status.strip() == "completed", task
    assert abs(float(fitness) - result["exported"]["fitness"]) < 1e-6, (fitness, result)
stats = [r for r in rows if len(r) == 6]
assert len(stats) == 1 and int(stats[0][0]) == 512 and int(stats[0][1]) == 3, stats
PY
echo "array: 3 tasks of job $array, summary $summary"
