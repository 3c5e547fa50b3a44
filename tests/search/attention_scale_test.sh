# LongRoPE2's two stages end to end: a factor search with --below-critical ntk, then
# --stage attention-scale (scalar and per-frequency) with those factors fixed, starting from a
# deliberately wrong attention factor: its --out, --out-model, resume, ranks, --evaluate, the
# HF export of a per-frequency scale (warned about and dropped), and its errors.
source "$(dirname "$0")/search_test_lib.sh"
make_tiny_model "$WORK/tiny.h5"
common=(--log-level warn search --model "$WORK/tiny.h5" --corpus "$CORPUS" --method longrope2
        --seed 5 --documents 2 --threads 1)

# Stage 1: factors; below the critical index (2 for this model) lambda_i = lambda_2^(i/2).
"$ROPESCALE_BIN" "${common[@]}" --below-critical ntk --population 6 --generations 1 \
  --out "$WORK/factors.json" --log "$WORK/factors.h5" > "$WORK/factors-result.json"
h5dump -a /settings_json "$WORK/factors.h5" | grep -q 'below_critical.\{1,4\}ntk' \
  || fail "the log's settings_json does not record below_critical ntk"

# Stage 2, scalar, from attention 3 with multipliers in [0.2, 1] (attention 0.6 .. 3).
stage=(--stage attention-scale --init-factors "$WORK/factors.json" --attention-factor 3
       --attention-scale-min 0.2 --attention-scale-max 1 --population 6 --generations 2)
"$ROPESCALE_BIN" "${common[@]}" "${stage[@]}" --out "$WORK/scalar.json" \
  --log "$WORK/scalar.h5" > "$WORK/scalar-result.json"

python3 - "$WORK" << 'PY'
import json, math, sys
work = sys.argv[1]
factors = json.load(open(f"{work}/factors.json"))
block = json.load(open(f"{work}/scalar.json"))
result = json.load(open(f"{work}/scalar-result.json"))
def check(ok, what):
    if not ok:
        sys.exit(f"FAIL: {what}")
lam = factors["long_factor"]
check(all(lam[i] == lam[2] ** (i / 2) for i in range(2)), f"ntk rule below index 2: {lam}")
check(result["stage"] == "attention-scale" and result["attention_scale"] == "scalar", "stage")
check(block["long_factor"] == lam, "the factors stayed fixed")
check(block["rope_type"] == "longrope" and "frequency_scale" not in block, "portable block")
check(block["attention_factor"] == result["best"]["attention_factor"], "block = best")
check(result["start"]["attention_factor"] == 3.0, "start = --attention-factor")
check(result["best"]["fitness"] < result["start"]["fitness"],
      f"no better scale than the wrong start: {result['best']} vs {result['start']}")
check(0.6 - 1e-12 <= block["attention_factor"] <= 3.0 + 1e-12, "attention inside the range")
PY

# Resume after generation 0 ends exactly like the uninterrupted run.
"$ROPESCALE_BIN" "${common[@]}" "${stage[@]}" --out "$WORK/resumed.json" \
  --log "$WORK/resumed.h5" --stop-after-generation 0 > /dev/null
[[ ! -e "$WORK/resumed.json" ]] || fail "--stop-after-generation wrote --out"
"$ROPESCALE_BIN" "${common[@]}" "${stage[@]}" --out "$WORK/resumed.json" \
  --log "$WORK/resumed.h5" --resume > /dev/null
cmp "$WORK/scalar.json" "$WORK/resumed.json" || fail "resumed --out differs"
expect_same_search_log "$WORK/scalar.h5" "$WORK/resumed.h5"
# A factor-search log is not an attention-scale log.
if "$ROPESCALE_BIN" "${common[@]}" "${stage[@]}" --out "$WORK/x.json" --log "$WORK/factors.h5" \
  --resume > /dev/null 2> "$WORK/mix.err"; then
  fail "resumed an attention-scale search from a factor-search log"
fi
grep -q 'factors.h5' "$WORK/mix.err" || fail "the error does not name the log: $(cat "$WORK/mix.err")"

# Two ranks: the same bytes and the same log.
mpiexec -n 2 "$ROPESCALE_BIN" "${common[@]}" "${stage[@]}" --out "$WORK/np2.json" \
  --log "$WORK/np2.h5" > /dev/null
cmp "$WORK/scalar.json" "$WORK/np2.json" || fail "--out under -n 2 differs from one process"
expect_same_search_log "$WORK/scalar.h5" "$WORK/np2.h5"

# Per frequency: ropescale's own frequency_scale in --out and --out-model.
"$ROPESCALE_BIN" "${common[@]}" "${stage[@]}" --attention-scale per-frequency \
  --out "$WORK/per.json" --out-model "$WORK/per.h5" --log "$WORK/per-log.h5" \
  --compare-documents 1 > "$WORK/per-result.json" 2> "$WORK/per.err"
grep -q 'frequency_scale' "$WORK/per.err" || fail "no warning that --out holds frequency_scale"
"$ROPESCALE_BIN" "${common[@]}" --evaluate "$WORK/per.json" --compare-documents 1 \
  > "$WORK/per-evaluate.json"
h5dump -d /rope/frequency_scale "$WORK/per.h5" > "$WORK/per-scale.txt" \
  || fail "--out-model has no /rope/frequency_scale"
"$ROPESCALE_BIN" --log-level warn convert --input "$WORK/per.h5" --output "$WORK/per-hf" \
  2> "$WORK/convert.err"
grep -q 'frequency_scale' "$WORK/convert.err" || fail "convert did not warn about frequency_scale"

python3 - "$WORK" << 'PY'
import json, sys
work = sys.argv[1]
block = json.load(open(f"{work}/per.json"))
result = json.load(open(f"{work}/per-result.json"))
evaluate = json.load(open(f"{work}/per-evaluate.json"))
config = json.load(open(f"{work}/per-hf/config.json"))
def check(ok, what):
    if not ok:
        sys.exit(f"FAIL: {what}")
scale = block["frequency_scale"]
check(len(scale) == 8 and scale == result["best"]["frequency_scale"], "frequency_scale = best")
check(all(a <= b for a, b in zip(scale, scale[1:])), "non-decreasing")
check(all(0.2 - 1e-12 <= m <= 1 + 1e-12 for m in scale), "inside the range")
check(block["attention_factor"] == 3.0, "the scalar part stays the start")
check(result["best"]["fitness"] <= result["start"]["fitness"], "best <= start")
rows = {r["rope"]: r for r in result["comparison"]}
again = {r["rope"]: r for r in evaluate["comparison"]}
check(rows == again, "--evaluate of --out scores differently from the search's comparison")
rope = config["rope_scaling"]
check("frequency_scale" not in rope and rope["attention_factor"] == 3.0, "HF export: scalar only")
PY

# Errors: one clear message each.
expect_error() {
  local pattern=$1
  shift
  if "$ROPESCALE_BIN" "$@" > /dev/null 2> "$WORK/error.txt"; then fail "accepted: $*"; fi
  grep -q -- "$pattern" "$WORK/error.txt" || fail "no '$pattern' in: $(cat "$WORK/error.txt")"
}
expect_error 'needs --init-factors' "${common[@]}" --stage attention-scale --out "$WORK/e.json"
expect_error '--attention-scale needs --stage attention-scale' "${common[@]}" \
  --attention-scale per-frequency --out "$WORK/e.json"
expect_error '--attention-scale-min' "${common[@]}" "${stage[@]}" --attention-scale-min 1.5 \
  --out "$WORK/e.json"
expect_error '--below-critical ntk needs --method longrope2' "${common[@]/longrope2/longrope}" \
  --below-critical ntk --out "$WORK/e.json"
echo "attention_scale_test: OK"
