# Short-window recovery end to end (`search --factors short`): the shipped tiny model, extended
# 8x with deliberately bad short factors (all 8: positional interpolation inside the original
# window), must get short factors that score better at its original window of 256 tokens, both
# from the default seeds and from the bad factors alone; the result is the same on 1 and 2 ranks
# (--out bytes and log), `eval ppl` scores --out-model exactly as the search did, and `convert`
# exports the recovered factors as HF short_factor with the long factors untouched.
source "$(dirname "$0")/search_test_lib.sh"
base="$ROPESCALE_SOURCE_DIR/data/tiny-llama.h5"
"$ROPESCALE_BIN" --log-level warn convert --input "$base" --output "$WORK/base-hf"
# The extended model: the base weights with a longrope RoPE for 2048 whose short factors are bad.
python3 - "$WORK" << 'PY'
import json, sys
work = sys.argv[1]
config = json.load(open(f"{work}/base-hf/config.json"))
assert config["max_position_embeddings"] == 256, config["max_position_embeddings"]
config["max_position_embeddings"] = 2048
config["original_max_position_embeddings"] = 256
config["rope_scaling"] = {
    "rope_type": "longrope", "factor": 8.0, "original_max_position_embeddings": 256,
    "long_factor": [1.0 + 0.5 * i for i in range(16)], "short_factor": [8.0] * 16}
json.dump(config, open(f"{work}/base-hf/config.json", "w"))
json.dump({"short_factor": [8.0] * 16}, open(f"{work}/bad.json", "w"))
PY
extended="$WORK/base-hf"
common=(--model "$extended" --corpus "$CORPUS" --factors short --seed 5 --population 8
  --generations 3 --documents 2 --threads 1)

# The bad short factors' own score at 256 (the search's documents: ppl windows, seed 5).
"$ROPESCALE_BIN" --log-level warn eval ppl --model "$extended" --corpus "$CORPUS" --lengths 256 \
  --docs 2 --seed 5 --ropes model --threads 1 --json > "$WORK/bad-eval.json"

"$ROPESCALE_BIN" --log-level warn search "${common[@]}" --out "$WORK/one.json" \
  --out-model "$WORK/recovered.h5" --log "$WORK/one.h5" > "$WORK/one-result.json"
OMP_NUM_THREADS=1 mpiexec -n 2 "$ROPESCALE_BIN" --log-level warn search "${common[@]}" \
  --out "$WORK/two.json" --log "$WORK/two.h5" > "$WORK/two-result.json"
cmp "$WORK/one.json" "$WORK/two.json" || fail "--out differs between 1 and 2 ranks"
expect_same_search_log "$WORK/one.h5" "$WORK/two.h5"
# From the bad factors alone: the evolution itself must improve on them.
"$ROPESCALE_BIN" --log-level warn search "${common[@]}" --init-factors "$WORK/bad.json" \
  --out "$WORK/from-bad.json" > "$WORK/from-bad-result.json"

"$ROPESCALE_BIN" --log-level warn eval ppl --model "$WORK/recovered.h5" --corpus "$CORPUS" \
  --lengths 256 --docs 2 --seed 5 --ropes model --threads 1 --json > "$WORK/recovered-eval.json"
"$ROPESCALE_BIN" --log-level warn convert --input "$WORK/recovered.h5" --output "$WORK/recovered-hf"

python3 - "$WORK" << 'PY'
import json, math, sys
work = sys.argv[1]
def load(name):
    return json.load(open(f"{work}/{name}"))
def check(ok, what):
    if not ok:
        sys.exit(f"FAIL: {what}")
one, two, from_bad = load("one-result.json"), load("two-result.json"), load("from-bad-result.json")
block, hf = load("one.json"), load("recovered-hf/config.json")["rope_scaling"]
bad = load("bad-eval.json")["results"][0]
recovered = load("recovered-eval.json")["results"][0]
check(one["factors"] == "short" and one["fitness"] == "ppl", "short mode, ppl fitness by default")
check(one["target_len"] == 256 and one["original_len"] == 256, "target = the original window")
check(one["exported"] == two["exported"] and one["best"] == two["best"], "1 vs 2 ranks")
found = one["exported"]["short_factor"]
check(block["short_factor"] == found, "--out short_factor = the exported factors")
check(block["long_factor"] == [1.0 + 0.5 * i for i in range(16)], "--out long factors untouched")
check(block["factor"] == 8.0 and block["original_max_position_embeddings"] == 256, "--out window")
check(hf["short_factor"] == found and hf["long_factor"] == block["long_factor"],
      "convert exports the recovered short_factor and the long factors")
check(all(a <= b for a, b in zip(found, found[1:])) and found[0] >= 1, "monotone, >= 1")
bad_loss = bad["loss"]
print(f"bad short factors: loss {bad_loss:.4f} (ppl {bad['perplexity']:.2f}); recovered: "
      f"{one['exported']['fitness']:.4f} (ppl {recovered['perplexity']:.2f}); from the bad "
      f"seed alone: {from_bad['exported']['fitness']:.4f}")
# eval ppl scores the recovered model exactly as the search scored its winner.
check(abs(recovered["loss"] - one["exported"]["fitness"]) <= 1e-12 * abs(bad_loss),
      f"eval loss {recovered['loss']!r} != search fitness {one['exported']['fitness']!r}")
check(recovered["perplexity"] * 2 < bad["perplexity"], "recovery at least halves the perplexity")
check(from_bad["exported"]["fitness"] < bad_loss - 0.05, "evolution from the bad seed improves")
check(from_bad["exported"]["short_factor"] != [8.0] * 16, "moved away from the bad seed")
PY

# Refusals: a model that is not extended, a window longer than the original, --init-scale.
for args in "--model $base" "--model $extended --target-len 512" \
  "--model $extended --init-factors $WORK/bad.json --init-scale 8"; do
  # shellcheck disable=SC2086
  if "$ROPESCALE_BIN" --log-level warn search $args --factors short --corpus "$CORPUS" \
    --out "$WORK/x.json" 2> "$WORK/err.txt"; then
    fail "search --factors short $args succeeded"
  fi
  test "$(wc -l < "$WORK/err.txt")" -le 3 || fail "not one clear message: $(cat "$WORK/err.txt")"
done
grep -q "extended model" <("$ROPESCALE_BIN" search --model "$base" --factors short \
  --corpus "$CORPUS" --out "$WORK/x.json" 2>&1) || fail "base model refusal does not say why"
echo "short_recovery_test: OK"
