#!/usr/bin/env bash
# jobs/plot_eval.py: from eval JSONs of the documented schema it writes the three PNGs (real PNG
# files, nothing left under a temporary name); a file without "results" or no input at all
# fails with exit 1 and a message naming the problem.
set -euo pipefail
SRC=${ROPESCALE_SOURCE_DIR:?ROPESCALE_SOURCE_DIR not set}
PY=${ROPESCALE_PYTHON:-/usr/bin/python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$PY" - "$WORK" <<'PY'
import json, math, sys
out = sys.argv[1]
ppl, pk = [], []
for model in ["a/base.h5", "b/trained.h5"]:
    for rope in ["original", "yarn"]:
        for length in [256, 512, 2048]:
            ppl.append({"model": model, "rope": rope, "length": length,
                        "perplexity": 4.0 + length / 256, "windows": 4})
            for fmt in ["passkey", "kv"]:
                for depth in [0.0, 0.5, 1.0]:
                    n, k = 10, (length + int(depth * 10)) % 11
                    pk.append({"model": model, "rope": rope, "length": length, "depth": depth,
                               "format": fmt, "documents": n, "exact": k, "accuracy": k / n,
                               "stderr": math.sqrt(k / n * (1 - k / n) / n),
                               "digit_accuracy": 0.5})
json.dump({"command": "eval ppl", "results": ppl}, open(f"{out}/ppl.json", "w"))
json.dump({"command": "eval passkey", "results": pk}, open(f"{out}/pk.json", "w"))
json.dump({"command": "eval ppl"}, open(f"{out}/bad.json", "w"))
PY

"$PY" "$SRC/jobs/plot_eval.py" --ppl "$WORK/ppl.json" --passkey "$WORK/pk.json" \
  --out-dir "$WORK/plots" --label a/base.h5=base >"$WORK/list"
for png in perplexity-vs-length retrieval-vs-length needle-heatmap; do
  f="$WORK/plots/$png.png"
  [[ -s "$f" ]] || fail "$png.png not written"
  [[ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" == "89504e470d0a1a0a" ]] || fail "$png.png is not a PNG"
  grep -qx "$f" "$WORK/list" || fail "$png.png not listed on stdout"
done
[[ -z "$(ls "$WORK/plots" | grep tmp || true)" ]] || fail "temporary files left"

if "$PY" "$SRC/jobs/plot_eval.py" --ppl "$WORK/bad.json" --out-dir "$WORK/p2" 2>"$WORK/err"; then
  fail "a JSON without results was accepted"
fi
grep -q "bad.json: no 'results' array" "$WORK/err" || fail "unclear error: $(cat "$WORK/err")"
if "$PY" "$SRC/jobs/plot_eval.py" --out-dir "$WORK/p3" 2>"$WORK/err"; then
  fail "no input was accepted"
fi
grep -q "nothing to plot" "$WORK/err" || fail "unclear error: $(cat "$WORK/err")"
echo "plot_eval: ok"
