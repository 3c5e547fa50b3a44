# --init-scale (progressive extension): factors searched for one scale seed a search for another,
# rescaled linearly (1 stays 1, the old s becomes the new one); the rescaled vector is the first
# member of generation 0, and the option is part of the log's settings only when it is used.
source "$(dirname "$0")/search_test_lib.sh"
make_tiny_model "$WORK/tiny.h5"  # window 32, 8 frequencies
echo "1, 1.1, 1.2, 1.4, 1.6, 1.8, 2, 2.2" > "$WORK/factors-2x.csv"  # searched for s = 2
common=(--model "$WORK/tiny.h5" --corpus "$CORPUS" --method longrope --n-hat-grid 0
  --target-len 128 --population 2 --generations 0 --documents 1 --seed 3 --threads 1
  --init-factors "$WORK/factors-2x.csv")
"$ROPESCALE_BIN" --log-level warn search "${common[@]}" --init-scale 2 --out "$WORK/a.json" \
  --log "$WORK/rescaled.h5" > /dev/null
"$ROPESCALE_BIN" --log-level warn search "${common[@]}" --out "$WORK/b.json" \
  --log "$WORK/as-given.h5" > /dev/null
first_member() {
  h5dump -d /generations/g000000/grid -y -w 0 "$1" | awk '/DATA \{/{getline; print; exit}' |
    tr -d ' '
}
# s = 128 / 32 = 4: 1 + (f - 1) (4 - 1) / (2 - 1), on the 0.01 grid.
test "$(first_member "$WORK/rescaled.h5")" = "100,130,160,220,280,340,400,460," ||
  fail "rescaled seed: $(first_member "$WORK/rescaled.h5")"
test "$(first_member "$WORK/as-given.h5")" = "100,110,120,140,160,180,200,220," ||
  fail "seed as given: $(first_member "$WORK/as-given.h5")"
h5dump -a /settings_json "$WORK/rescaled.h5" | grep -q '"init_scale":2.0' ||
  fail "init_scale not in the settings"
if h5dump -a /settings_json "$WORK/as-given.h5" | grep -q init_scale; then
  fail "init_scale in the settings of a search without it"
fi
# Refusals, each one message: a scale <= 1, and --init-scale without factors to rescale.
if "$ROPESCALE_BIN" search "${common[@]}" --init-scale 1 --out "$WORK/c.json" 2> "$WORK/err"; then
  fail "--init-scale 1 accepted"
fi
grep -q -- "--init-scale: 1 is not a scale > 1" "$WORK/err" || fail "message: $(cat "$WORK/err")"
if "$ROPESCALE_BIN" search --model "$WORK/tiny.h5" --corpus "$CORPUS" --init-scale 8 \
  --out "$WORK/c.json" 2> "$WORK/err"; then
  fail "--init-scale without --init-factors accepted"
fi
grep -q -- "--init-scale needs --init-factors" "$WORK/err" || fail "message: $(cat "$WORK/err")"
echo "init_scale_test: OK"
