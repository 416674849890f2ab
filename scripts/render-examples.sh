#!/usr/bin/env bash
# Renders every committed example (examples/EXPERIMENT) again from the run its experiment ships
# in baseline/reference.sqlite.xz, then checks each with `reportgen verify`. Run it after a
# change to what a report shows, and commit examples/ with the change.
#
#   scripts/render-examples.sh [EXPERIMENT…]    (default: every experiment that ships a run;
#                                                REPORTGEN_BIN picks the binary)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${REPORTGEN_BIN:-.build/release/reportgen}
[ -x "$bin" ] || { echo "no $bin: build it first (swift build -c release --product reportgen)" >&2; exit 1; }
if [ $# -gt 0 ]; then
  names=("$@")
else
  names=(); for file in experiments/*/baseline/reference.sqlite.xz; do names+=("$(basename "$(dirname "$(dirname "$file")")")"); done
fi
# Every example is rendered before any is swapped in, so that each render's provenance names
# the checkout as it was (a swapped-in example would make the next one's commit "-dirty").
fresh=$(mktemp -d); trap 'rm -rf "$fresh"' EXIT
for name in "${names[@]}"; do
  data=experiments/$name/baseline/reference.sqlite.xz
  [ -f "$data" ] || { echo "no $data: export the run its example shows there (reportgen export RUN -o $data)" >&2; exit 1; }
  # Rendered beside, then swapped in: the folder holds only what this render writes, and a
  # render that fails leaves the committed ones as they were.
  "$bin" render --from "$data" --output "$fresh" >/dev/null
done
for name in "${names[@]}"; do
  rm -rf "examples/$name"
  mv "$fresh/$name" "examples/$name"
  "$bin" verify "examples/$name" --from "experiments/$name/baseline/reference.sqlite.xz"
done
