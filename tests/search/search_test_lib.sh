# Shared by the search script tests: a tiny random model and the common search arguments.
set -euo pipefail
: "${ROPESCALE_BIN:?set ROPESCALE_BIN to the ropescale program}"
: "${ROPESCALE_SOURCE_DIR:?set ROPESCALE_SOURCE_DIR to the source tree}"
source "$ROPESCALE_SOURCE_DIR/env/mpi-env.sh"
WORK=$(mktemp -d /tmp/ropescale-search-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
CORPUS="$ROPESCALE_SOURCE_DIR/data/corpus/heldout"

# A 1-layer byte-level model with a 32-token window (one optimizer step from random weights).
make_tiny_model() {
  "$ROPESCALE_BIN" --log-level warn pretrain --corpus "$CORPUS" --out "$1" --hidden 32 \
    --layers 1 --heads 2 --kv-heads 2 --ffn 64 --context 32 --batch 2 --steps 1 --warmup 1 \
    --threads 1 > /dev/null
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Fails unless two search logs differ only in provenance (command line, time, rank count) and
# wall times: every dataset and every other attribute must be equal.
expect_same_search_log() {
  h5diff -v "$1" "$2" > "$WORK/h5diff.txt" || true
  grep -q 'differences\? found' "$WORK/h5diff.txt" || fail "h5diff produced no report"
  if awk '/^(attribute|dataset|group) *: /{what=$0} /differences? found/{if ($1 > 0) print what}' \
    "$WORK/h5diff.txt" | grep -vE '<(command_line|time_utc|ranks|wall_time_s) of'; then
    fail "$1 and $2 differ beyond provenance and timings"
  fi
}

# The number of complete generations a search log holds.
complete_generations() {
  h5dump -a /complete_generations "$1" | awk '/\(0\)/{print $2}'
}
