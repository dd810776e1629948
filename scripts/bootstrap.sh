#!/usr/bin/env bash
# Creates .venv with everything modbot needs. Safe to run again.
#
# torch goes first, pinned, so that nothing later pulls another build:
#   TORCH_BUILD=cpu (default): the CPU build from PyTorch's CPU wheel index when that index answers within a few
#     seconds; else torch from PyPI (on Linux, PyPI's torch is a CUDA build of several GB, unless pip finds a local
#     CPU wheel). The last line printed says which build is installed.
#   TORCH_BUILD=cuda: PyPI's default torch build (CUDA on Linux), replacing a CPU build already in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
TORCH_VERSION=2.13.0
TORCH_CPU_INDEX=https://download.pytorch.org/whl/cpu
TORCH_BUILD=${TORCH_BUILD:-cpu}
case "$TORCH_BUILD" in
  cpu|cuda) ;;
  *) echo "TORCH_BUILD must be cpu or cuda, not '$TORCH_BUILD'" >&2; exit 2 ;;
esac
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
py=.venv/bin/python
pip() { "$py" -m pip "$@"; }
pip install --quiet --upgrade pip

# The installed torch's version ("2.13.0+cpu", "2.13.0", or nothing), read without importing it.
installed=$("$py" -c 'from importlib import metadata
try:
    print(metadata.version("torch"))
except metadata.PackageNotFoundError:
    pass')

# Whether PyTorch's CPU wheel index answers: at most ~6 s, even when name lookup or connect hangs.
cpu_index_reachable() {
  "$py" - "$TORCH_CPU_INDEX/torch/" <<'EOF'
import sys, threading, urllib.request
ok = []
def probe():
    try:
        urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="HEAD"), timeout=5).close()
        ok.append(True)
    except Exception:
        pass
worker = threading.Thread(target=probe, daemon=True)
worker.start()
worker.join(6)
sys.exit(0 if ok else 1)
EOF
}

source="already installed"
if [ "$TORCH_BUILD" = cpu ]; then
  if [ "${installed%%+*}" != "$TORCH_VERSION" ]; then
    if cpu_index_reachable && pip install --quiet --index-url "$TORCH_CPU_INDEX" "torch==$TORCH_VERSION+cpu"; then
      source="from PyTorch's CPU wheel index"
    else
      source="from PyPI: PyTorch's CPU wheel index was not reachable"
      pip install --quiet "torch==$TORCH_VERSION"
    fi
  fi
else
  if [ "$installed" != "$TORCH_VERSION" ]; then  # absent, another version, or a +cpu build
    [ -z "$installed" ] || pip uninstall --quiet --yes torch
    pip install --quiet --no-cache-dir "torch==$TORCH_VERSION"
    source="from PyPI"
  fi
fi

pip install --quiet -c constraints.txt -e ".[dev]"
"$py" - "$source" <<'EOF'
import sys
import torch
build = f"CUDA {torch.version.cuda} build" if torch.version.cuda else "CPU build"
print(f"torch {torch.__version__} ({build}, {sys.argv[1]})")
EOF
