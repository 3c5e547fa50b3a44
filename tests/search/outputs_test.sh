# What a search hands on: the --out rope_scaling block (HF fields, n_hat-free), the --out-model
# checkpoint (loadable by `ropescale eval`), and --evaluate, which must score the --out file
# exactly as the search scored its exported RoPE on the same comparison documents, as must
# `ropescale eval ppl` on the same documents.
source "$(dirname "$0")/search_test_lib.sh"
make_tiny_model "$WORK/tiny.h5"
common=(--model "$WORK/tiny.h5" --corpus "$CORPUS" --seed 21 --compare-documents 2)
"$ROPESCALE_BIN" --log-level warn search "${common[@]}" --method longrope --population 6 \
  --generations 2 --documents 2 --out "$WORK/factors.json" --out-model "$WORK/extended.h5" \
  > "$WORK/search.json"
"$ROPESCALE_BIN" --log-level warn search "${common[@]}" --method longrope \
  --evaluate "$WORK/factors.json" > "$WORK/evaluate.json"

python3 - "$WORK" << 'PY'
import json, math, sys
work = sys.argv[1]
block = json.load(open(f"{work}/factors.json"))
result = json.load(open(f"{work}/search.json"))
evaluate = json.load(open(f"{work}/evaluate.json"))
def check(ok, what):
    if not ok:
        sys.exit(f"FAIL: {what}")
check(block["rope_type"] == "longrope", "rope_type")
check(block["original_max_position_embeddings"] == 32, "original window")
check(block["factor"] == 8.0, "factor = target / L")
check(block["short_factor"] == [1.0] * 8, "short factors are ones")
check(block["long_factor"] == result["exported"]["long_factor"], "long_factor = exported")
check(all(a <= b for a, b in zip(block["long_factor"], block["long_factor"][1:])), "monotone")
check(abs(block["attention_factor"] - math.sqrt(1 + math.log(8) / math.log(32))) < 1e-12,
      "attention factor sqrt(1 + ln s / ln L)")
check("n_hat" not in block, "no n_hat in the HF block")
check(result["exported"]["n_hat"] == 0, "exported n_hat")
check(result["best"]["fitness"] <= result["exported"]["fitness"], "best <= exported")
rows = {r["rope"]: r for r in result["comparison"]}
again = {r["rope"]: r for r in evaluate["comparison"]}
check(set(rows) == {"original", "pi", "ntk", "yarn", "searched"}, "comparison rows")
for name in rows:
    check(rows[name] == again[name], f"--evaluate row {name} differs from the search's")
PY
# `ropescale eval ppl` on the same documents (seed 21 XOR "compare", 2 of the target length 256)
# gives the comparison's numbers exactly: the baselines from the extended model (its original
# RoPE is the base model's), the searched row as the extended model's own RoPE.
compare_seed=$(python3 -c 'print(21 ^ 0x636f6d70617265)')
"$ROPESCALE_BIN" --log-level warn eval ppl --model "$WORK/extended.h5" --corpus "$CORPUS" \
  --lengths 256 --docs 2 --seed "$compare_seed" --ropes original,pi,ntk,yarn,model --needle \
  --threads 1 --json > "$WORK/eval.json" || fail "ropescale eval cannot read --out-model"
python3 - "$WORK" << 'PY'
import json, sys
work = sys.argv[1]
compared = {r["rope"]: r for r in json.load(open(f"{work}/search.json"))["comparison"]}
evaluated = {r["rope"]: r for r in json.load(open(f"{work}/eval.json"))["results"]}
for rope, name in [("original",) * 2, ("pi",) * 2, ("ntk",) * 2, ("yarn",) * 2,
                   ("searched", "model")]:
    for key in ("needle_loss", "needle_loss_sem", "perplexity"):
        if compared[rope][key] != evaluated[name][key]:
            sys.exit(f"FAIL: {rope} {key}: search {compared[rope][key]!r}, eval {evaluated[name][key]!r}")
PY
echo "outputs_test: OK"
