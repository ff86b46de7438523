#!/usr/bin/env bash
# The prepared GPU check (bench/gpu_check.py): on a node with one GPU, under 5 minutes.
#   bash bench/gpu_check.sh            # GPU figures (XLM-R Large shapes, bf16)
#   bash bench/gpu_check.sh --cpu      # the CPU mode: tiny sizes, GPU parts skipped (CI)
# PYTHON picks the interpreter (default: the repository's .venv, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}" TOKENIZERS_PARALLELISM=false
exec timeout 300 "$PYTHON" bench/gpu_check.py "$@"
