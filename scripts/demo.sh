#!/usr/bin/env bash
# scripts/demo.sh - the main job on a fresh machine: install what is missing,
# build, then check and compile the example graphs and show what a live
# patch would change (lint, compile, disasm, diff).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
scripts/build.sh build
L="$top/build/lanarun -I $top/share/lana"
echo "== lint examples/"
$L lint examples/*.lana
echo "== compile examples/bridge.lana"
$L compile -o build/bridge.plan examples/bridge.lana --stats
$L disasm build/bridge.plan
echo "== diff: what applying examples/bridge_filtered.lana to the running bridge would do"
$L diff build/bridge.plan examples/bridge_filtered.lana
