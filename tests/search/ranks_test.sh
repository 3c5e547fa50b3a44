# The program under mpiexec -n 1, 2, 3, 4 and as a singleton: byte-identical --out and search
# logs that differ only in provenance (command line, time, rank count) and wall times. And a
# rank that throws ends the whole job with one message naming it, without hanging.
source "$(dirname "$0")/search_test_lib.sh"
make_tiny_model "$WORK/tiny.h5"
args=(--log-level warn search --model "$WORK/tiny.h5" --corpus "$CORPUS" --method longrope
      --seed 3 --population 6 --generations 3 --documents 2 --n-hat-grid 0,2,4)

"$ROPESCALE_BIN" "${args[@]}" --out "$WORK/single.json" --log "$WORK/single.h5" > /dev/null
for n in 1 2 3 4; do
  mpiexec -n "$n" "$ROPESCALE_BIN" "${args[@]}" --out "$WORK/np$n.json" --log "$WORK/np$n.h5" \
    > /dev/null
  cmp "$WORK/single.json" "$WORK/np$n.json" || fail "--out under -n $n differs from singleton"
  expect_same_search_log "$WORK/single.h5" "$WORK/np$n.h5"
done

# One failing rank: one clear message, non-zero exit, no hang.
set +e
timeout 120 mpiexec -n 3 "$ROPESCALE_BIN" "${args[@]}" --out "$WORK/fail.json" \
  --inject-failure-rank 1 > /dev/null 2> "$WORK/fail.err"
status=$?
set -e
[[ $status -ne 0 ]] || fail "a failing rank did not fail the job"
[[ $status -ne 124 ]] || fail "the job hung after a rank failed"
grep -q 'ropescale: error on rank 1 of 3: injected failure' "$WORK/fail.err" \
  || fail "no message naming the failing rank: $(cat "$WORK/fail.err")"
[[ ! -e "$WORK/fail.json" ]] || fail "the failed job wrote --out"
echo "ranks_test: OK"
