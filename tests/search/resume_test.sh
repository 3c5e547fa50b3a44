# --resume after a stop (--stop-after-generation) and after a real kill -9 ends with exactly the
# --out file of an uninterrupted run.
source "$(dirname "$0")/search_test_lib.sh"
make_tiny_model "$WORK/tiny.h5"
search() {
  "$ROPESCALE_BIN" --log-level warn search --model "$WORK/tiny.h5" --corpus "$CORPUS" \
    --method longrope2 --seed 11 --population 8 --documents 3 "$@" > /dev/null
}

# 1. Deterministic stop after generation 2, then resume.
search --generations 5 --out "$WORK/full.json" --log "$WORK/full.h5"
search --generations 5 --out "$WORK/resumed.json" --log "$WORK/resumed.h5" \
  --stop-after-generation 2
[[ ! -e "$WORK/resumed.json" ]] || fail "--stop-after-generation wrote --out"
search --generations 5 --out "$WORK/resumed.json" --log "$WORK/resumed.h5" --resume
cmp "$WORK/full.json" "$WORK/resumed.json" || fail "resumed --out differs from the full run"
expect_same_search_log "$WORK/full.h5" "$WORK/resumed.h5"

# 2. A real kill -9 in the middle of a longer run, then resume.
search --generations 40 --out "$WORK/long.json" --log "$WORK/long.h5"
"$ROPESCALE_BIN" --log-level warn search --model "$WORK/tiny.h5" --corpus "$CORPUS" \
  --method longrope2 --seed 11 --population 8 --documents 3 --generations 40 \
  --out "$WORK/killed.json" --log "$WORK/killed.h5" > /dev/null &
pid=$!
for _ in $(seq 1 3000); do
  [[ -e "$WORK/killed.h5" ]] && break  # generation 0 is complete: kill now, mid-run
  sleep 0.01
done
kill -9 "$pid" 2> /dev/null || fail "the run ended before the kill (make it longer)"
wait "$pid" 2> /dev/null || true
left=$(complete_generations "$WORK/killed.h5")
echo "killed with $left of 41 generations in the log"
[[ $left -ge 1 && $left -lt 41 ]] || fail "the kill did not land mid-run ($left generations)"
[[ ! -e "$WORK/killed.json" ]] || fail "the killed run wrote --out"
search --generations 40 --out "$WORK/killed.json" --log "$WORK/killed.h5" --resume
cmp "$WORK/long.json" "$WORK/killed.json" || fail "--out after kill -9 + resume differs"
expect_same_search_log "$WORK/long.h5" "$WORK/killed.h5"
echo "resume_test: OK"
