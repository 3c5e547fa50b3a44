# Sourced by the job scripts: sets `bin` to the ropescale program. $ROPESCALE_BIN when set (the
# build is skipped), else builds the program in $1 (a CMake build folder, configured Release on
# first use; incremental after) from the repository at $2.
# shellcheck shell=bash
bin=${ROPESCALE_BIN:-}
if [[ -z "$bin" ]]; then
  echo "== building ropescale in $1" >&2
  [[ -f "$1/CMakeCache.txt" ]] || cmake -S "$2" -B "$1" -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$1" -j"$(nproc)" --target ropescale_cli >&2
  bin=$1/bin/ropescale
fi
