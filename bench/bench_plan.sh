#!/usr/bin/env bash
# Wall and CPU time of planning the paper grid with 43 seeds (5,031 cells), for this checkout or
# another one: bash bench/bench_plan.sh [CHECKOUT]   (BENCHMARKS.md, "Planning the paper grid")
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
code="${1:-$repo}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cd "$code"
HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 PYTHONPATH="$code" /usr/bin/time -f "%e s wall, %U+%S s CPU" \
  "$repo/.venv/bin/python" -m xtask.cli plan +sweep=paper 'seed=range(1,44)' "paths.outputs=$out" 2>&1 | tail -2
