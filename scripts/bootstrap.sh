#!/usr/bin/env bash
# Creates .venv with everything modbot needs, from PyPI only. Safe to run again.
# torch goes first, pinned, so that pip takes the CPU build and never pulls a multi-GB CUDA one.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[dev]"
