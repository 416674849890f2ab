#!/usr/bin/env bash
# Rewrites every shipped reference run (experiments/*/baseline/reference.sqlite.xz) at this
# build's schema, so that reading one (render, compare --baseline reference, the examples)
# never pays for a migration. Each run goes through reportgen itself: imported into an empty
# store (checked and migrated as any file from elsewhere) and exported again, xz-compressed at
# one thread, so the same build gives the same bytes. Run it after a migration is added, then
# check that examples/ is unchanged (make test).
#
# With --writeup, each run also takes its experiment's report.md as the write-up it carries:
# after the write-up was revised, so that the export renders (and its example verifies) away
# from the project as it does in it. The measurements are untouched; the run's content
# digest changes with its write-up, so render the examples again (scripts/render-examples.sh).
#
#   scripts/reship-reference.sh [--writeup] [EXPERIMENT…]   (default: every experiment that
#                                                ships one; REPORTGEN_BIN picks the binary)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${REPORTGEN_BIN:-.build/release/reportgen}
writeup=false
if [ "${1:-}" = --writeup ]; then writeup=true; shift; fi
[ -x "$bin" ] || { echo "no $bin: build it first (swift build -c release --product reportgen)" >&2; exit 1; }
if [ $# -gt 0 ]; then
  files=(); for name in "$@"; do files+=("experiments/$name/baseline/reference.sqlite.xz"); done
else
  files=(experiments/*/baseline/reference.sqlite.xz)
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export REPORTGEN_CACHE=$work/cache
for file in "${files[@]}"; do
  [ -f "$file" ] || { echo "no $file" >&2; exit 1; }
  rm -f "$work/store.sqlite" "$work/store.sqlite-wal" "$work/store.sqlite-shm" "$work/reference.sqlite.xz"
  "$bin" import "$file" --db "$work/store.sqlite" >/dev/null
  run=$(sqlite3 "$work/store.sqlite" "SELECT id FROM runs WHERE kind = 'measured'")
  [ "$(printf '%s\n' "$run" | wc -l)" = 1 ] || { echo "$file should hold one measured run, not: $run" >&2; exit 1; }
  text=$(dirname "$(dirname "$file")")/report.md
  if $writeup && [ -f "$text" ]; then
    sqlite3 "$work/store.sqlite" "UPDATE runs SET writeup_text = CAST(readfile('$text') AS TEXT) WHERE id = $run"
  fi
  "$bin" export "$run" --db "$work/store.sqlite" -o "$work/reference.sqlite.xz" >/dev/null
  before=$(sqlite3 "$work/store.sqlite" "PRAGMA user_version")
  mv "$work/reference.sqlite.xz" "$file"
  echo "$file: schema $before, $(stat -c %s "$file") bytes, sha256 $(sha256sum "$file" | cut -c1-16)"
done
