#!/usr/bin/env bash
# jobs/pipeline.sh on a local Slurm cluster: search -> train -> eval of the embedded tiny model on
# the CPU with tiny settings (256 -> 512, 3 training steps); checks the factors JSON, the trained
# HDF5 checkpoint, the evaluation JSONs and plot, and each run folder's records.
source "$ROPESCALE_SOURCE_DIR/tests/slurm/slurm_test_lib.sh"

# 3 steps of one long row of 512 and two short rows of 256; the comment and quotes test the parser.
tiny_config tiny.conf RS_STEPS=3 "RS_GLOBAL_BATCH_TOKENS=1024  # 1 x 512 + 2 x 256" \
  'RS_EVAL_LENGTHS="256,512"' RS_EVAL_DOCS=2 RS_PASSKEY_DOCS=2
bash "$SRC/jobs/pipeline.sh" tiny.conf > pipeline.txt
cat pipeline.txt
search=$(sed -n 's/^search job \([0-9]*\):.*/\1/p' pipeline.txt)
train=$(sed -n 's/^train  job \([0-9]*\),.*/\1/p' pipeline.txt)
evaluation=$(sed -n 's/^eval   job \([0-9]*\),.*/\1/p' pipeline.txt)
[[ -n $search && -n $train && -n $evaluation ]] || fail "pipeline.sh printed no three job ids"
[[ $(job_field "$train" Dependency) == "afterok:${search}(unfulfilled)" ]] ||
  fail "train job depends on '$(job_field "$train" Dependency)', expected afterok:$search"
wait_job "$evaluation" 400
for id in "$search" "$train" "$evaluation"; do expect_state "$id" COMPLETED; done

s=$WORK/runs/search-$search t=$WORK/runs/train-$train e=$WORK/runs/eval-$evaluation
grep -q "$s" pipeline.txt && grep -q "$t" pipeline.txt && grep -q "$e" pipeline.txt ||
  fail "pipeline.sh did not print the run folders"
"$PY" - "$s" "$t" "$e" "$SRC/data/tiny-llama.h5" << 'PY' || fail "results"
import json, math, sys
s, t, e, base = sys.argv[1:]
f = json.load(open(f"{s}/factors.json"))
assert f["rope_type"] == "longrope", f
assert f["original_max_position_embeddings"] == 256 and f["factor"] == 2.0, f
assert len(f["long_factor"]) == 16 and all(x >= 1 for x in f["long_factor"]), f
result = json.load(open(f"{s}/search.json"))
assert result["target_len"] == 512 and result["last_generation"] == 1, result
summary = json.load(open(f"{t}/train.json"))
assert summary["steps"] == 3 and summary["tokens_seen"] == 3 * 1024, summary
for name in ("eval-ppl.json", "eval-passkey.json"):
    rows = json.load(open(f"{e}/{name}"))["results"]
    models = {r["model"] for r in rows}
    assert models == {f"{t}/model.h5", base}, (name, models)
ppl = json.load(open(f"{e}/eval-ppl.json"))["results"]
assert {r["length"] for r in ppl} == {256, 512}, ppl
assert all(math.isfinite(r["perplexity"]) and r["perplexity"] > 1 for r in ppl), ppl
png = open(f"{e}/plots/perplexity-vs-length.png", "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000, "no PNG plot"
PY
# The trained checkpoint: 3 steps done, the searched factors in its RoPE, weights moved.
[[ $(h5dump -a /training/data_cursor "$t/model.h5" | awk '/\(0\)/{print $2}') == 3 ]] ||
  fail "model.h5 is not the checkpoint after 3 steps"
if h5diff -q "$t/model.h5" "$SRC/data/tiny-llama.h5" /weights /weights > /dev/null; then
  fail "training left the weights unchanged"
fi
"$ROPESCALE_BIN" --log-level warn score --model "$t/model.h5" --tokens 72,101,108 > /dev/null ||
  fail "the trained model does not load"
# Every run folder records the command line, the versions, the settings and its status.
for run in "$s" "$t" "$e"; do
  [[ $(cat "$run/status") == completed ]] || fail "$run/status: $(cat "$run/status")"
  grep -q -- "$ROPESCALE_BIN --log-level info" "$run/commands.txt" || fail "$run/commands.txt"
  grep -q "^ropescale: .*$("$ROPESCALE_BIN" --version)" "$run/versions.txt" || fail "$run/versions.txt"
  grep -q "^RS_TARGET_LEN=512 " "$run/settings.conf" || fail "$run/settings.conf"
  cmp -s tiny.conf "$run/config.conf" || fail "$run/config.conf is no copy of the config"
done
grep -q -- "--factors $s/factors.json" "$t/commands.txt" || fail "train did not use the search's factors"
grep -q "srun .*--mpi=pmix" "$t/commands.txt" || fail "not launched with srun --mpi=pmix"
grep -q "completed" "runs/logs/ropescale-eval-$evaluation.out" || fail "eval log"
echo "pipeline: search $search, train $train, eval $evaluation completed"
