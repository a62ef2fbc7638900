#!/usr/bin/env bash
# The backend's checks for CI: the venv (reused when current), then the pytest suite, offline.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/setup_venv.sh"
cd "$here"
HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m pytest -q tests
