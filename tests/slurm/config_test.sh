#!/usr/bin/env bash
# The settings of the Slurm jobs (jobs/slurm/config.sh), without a cluster: defaults < config file
# < environment, comments and quotes, relative paths, the errors, array tasks, and settings.conf
# read back as a config.
set -euo pipefail
: "${ROPESCALE_SOURCE_DIR:?set ROPESCALE_SOURCE_DIR to the source tree}"
SRC=$ROPESCALE_SOURCE_DIR
for name in $(compgen -e); do [[ $name != RS_* ]] || unset "$name"; done
WORK=$(mktemp -d /tmp/rs-config-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# load [CONFIG]: prints KEY=value (from) of the keys asked for in $KEYS after rs_load_config.
load() {
  (
    source "$SRC/jobs/slurm/config.sh"
    rs_load_config "$SRC" "$@"
    for key in $KEYS; do echo "$key=${!key} (${RS_FROM[$key]##*/})"; done
  )
}
expect() { [[ $1 == "$2" ]] || fail "got '$1', expected '$2'"; }
# expect_error MESSAGE CONFIG: loading CONFIG fails with MESSAGE.
expect_error() {
  if load "$2" > /dev/null 2> err.txt; then fail "$2 accepted"; fi
  grep -qF -- "$1" err.txt || fail "$2: no '$1' in: $(cat err.txt)"
}

KEYS="RS_STEPS RS_MODEL RS_RUNS_DIR"
expect "$(load)" "RS_STEPS=300 (defaults.conf)
RS_MODEL=$SRC/data/tiny-llama.h5 (defaults.conf)
RS_RUNS_DIR=$SRC/runs/slurm (defaults.conf)"

cat > my.conf << 'CONF'
  # comment lines and blank ones

RS_STEPS=7   # a comment after a value
RS_MODEL="models/a b.h5"
RS_EVAL_LENGTHS='256,512' # quoted, then a comment
RS_LR=1e-3#not-a-comment
RS_EVAL_MODELS=x.h5,/abs/y.h5
RS_SEARCH_ARGS=--grid-step 0.05
RS_STEPS=8
CONF
KEYS="RS_STEPS RS_MODEL RS_EVAL_LENGTHS RS_LR RS_EVAL_MODELS RS_SEARCH_ARGS"
expect "$(load my.conf)" "RS_STEPS=8 (my.conf)
RS_MODEL=$WORK/models/a b.h5 (my.conf)
RS_EVAL_LENGTHS=256,512 (my.conf)
RS_LR=1e-3#not-a-comment (my.conf)
RS_EVAL_MODELS=$WORK/x.h5,/abs/y.h5 (my.conf)
RS_SEARCH_ARGS=--grid-step 0.05 (my.conf)"
KEYS="RS_STEPS RS_MODEL"
expect "$(RS_STEPS=9 RS_MODEL=m.h5 load my.conf)" "RS_STEPS=9 (environment)
RS_MODEL=$WORK/m.h5 (environment)"
RS_STPES=1 load my.conf > /dev/null 2> err.txt
grep -q "environment variable RS_STPES is no setting" err.txt || fail "no warning for RS_STPES"

expect_error "config $WORK/none.conf: no such readable file" none.conf
printf 'RS_STEPS=1\nSTEPS=2\n' > a.conf
expect_error "config $WORK/a.conf line 2: expected RS_KEY=value, got: STEPS=2" a.conf
printf 'RS_STEPS=1\nRS_STEP=2\n' > b.conf
expect_error "config $WORK/b.conf line 2: unknown key RS_STEP" b.conf
printf 'RS_MODEL="x.h5\n' > c.conf
expect_error "config $WORK/c.conf line 1: unbalanced quote in RS_MODEL" c.conf
printf 'RS_STEPS=ten\n' > d.conf
(
  source "$SRC/jobs/slurm/config.sh"
  rs_load_config "$SRC" d.conf
  rs_require_int RS_STEPS
) 2> err.txt && fail "RS_STEPS=ten accepted"
grep -q "RS_STEPS=ten (from $WORK/d.conf): expected a whole number" err.txt || fail "$(cat err.txt)"

# Array tasks: task i takes seed i mod 3 and target i div 3 of RS_SEEDS x RS_TARGET_LENS.
printf 'RS_SEEDS=5,6,7\nRS_TARGET_LENS=512,1024\n' > array.conf
task() {
  (
    source "$SRC/jobs/slurm/config.sh"
    rs_load_config "$SRC" array.conf
    echo "$(rs_array_size) tasks"
    rs_apply_array_task "$1"
    echo "seed $RS_SEED target $RS_TARGET_LEN (${RS_FROM[RS_SEED]})"
  )
}
expect "$(task 0)" "6 tasks
seed 5 target 512 (array task 0)"
expect "$(task 4)" "6 tasks
seed 6 target 1024 (array task 4)"
task 6 > /dev/null 2> err.txt && fail "task 6 of 6 accepted"
grep -q "array task 6: RS_SEEDS x RS_TARGET_LENS give only 6 tasks (--array=0-5)" err.txt ||
  fail "$(cat err.txt)"

# settings.conf is a config that gives the same settings.
(
  source "$SRC/jobs/slurm/config.sh"
  rs_load_config "$SRC" my.conf
  rs_write_settings settings.conf
)
KEYS="RS_STEPS RS_MODEL RS_EVAL_MODELS RS_SEARCH_ARGS RS_RUN_DIR RS_CORPUS"
expect "$(load settings.conf | sed 's/ (.*//')" "$(load my.conf | sed 's/ (.*//')"
echo "config: precedence, syntax, paths, errors, arrays and settings.conf as expected"
