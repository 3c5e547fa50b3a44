# Sourced by the script tests that check the program's refusals (run in their scratch folder):
#   fail MESSAGE             ends the test with FAIL: MESSAGE on stderr
#   expect_error TEXT CMD..  CMD must exit 1, print exactly one stderr line containing TEXT,
#                            and nothing on stdout (out.txt, err.txt are left for a look)
fail() { echo "FAIL: $*" >&2; exit 1; }

expect_error() {
  local want=$1; shift
  set +e
  "$@" > out.txt 2> err.txt
  local rc=$?
  set -e
  [ "$rc" -eq 1 ] || fail "'$*' exited $rc, expected 1: $(cat err.txt)"
  [ "$(wc -l < err.txt)" -eq 1 ] || fail "'$*' printed $(wc -l < err.txt) stderr lines: $(cat err.txt)"
  grep -q -- "$want" err.txt || fail "'$*' error does not name '$want': $(cat err.txt)"
  [ ! -s out.txt ] || fail "'$*' printed results: $(cat out.txt)"
}
