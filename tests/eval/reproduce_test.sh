#!/usr/bin/env bash
# jobs/reproduce.sh with tiny settings (every stage runs, a few documents and steps): it writes
# both method tables with the nine methods, the critical-index sweep around the theoretical
# index, and the three plots.
set -euo pipefail
bin=${ROPESCALE_BIN:?}
src=${ROPESCALE_SOURCE_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

RANKS=2 TRAIN_STEPS=2 POPULATION=3 GENERATIONS=1 SEARCH_DOCS=1 DOCS=2 PPL_DOCS=1 GRID_DOCS=1 \
  PYTHON="${ROPESCALE_PYTHON:-/usr/bin/python3}" OUT_DIR="$work/run" ROPESCALE_BIN="$bin" \
  bash "$src/jobs/reproduce.sh" >"$work/stdout.md" 2>"$work/stderr.txt" ||
  { cat "$work/stderr.txt" >&2; fail "reproduce.sh failed"; }

for format in passkey magic-number; do
  table="$work/run/table-$format.md"
  [[ -f "$table" ]] || fail "no $table"
  test "$(grep -c '^|' "$table")" -eq 11 || fail "$table: not header + rule + 9 methods"
  grep -q '^| LongRoPE2 search + mixed training |' "$table" || fail "$table: no mixed row"
  head -1 "$table" | grep -q "$format@2048" || fail "$table: no $format@2048 column"
done
cmp "$work/stdout.md" <(cat "$work/run/table-passkey.md"; echo) || fail "stdout is not the table"
# header + rule + 5 indices, the theoretical one marked
test "$(grep -c '^|' "$work/run/critical-index-sweep.md")" -eq 7 || fail "sweep table"
grep -q 'theoretical' "$work/run/critical-index-sweep.md" || fail "sweep: theoretical not marked"
for png in perplexity-vs-length retrieval-vs-length needle-heatmap; do
  [[ -s "$work/run/$png.png" ]] || fail "$png.png missing"
done
grep -q "reproduction: .* min on 2 rank(s)" "$work/stderr.txt" || fail "no timing line"
echo "reproduce: ok"
