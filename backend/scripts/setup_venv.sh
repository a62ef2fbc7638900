#!/usr/bin/env bash
# Creates backend/.venv with the CPU build of torch 2.13.0 (pinned: an unpinned torch pulls a CUDA build of
# several GB) plus the libraries the backend and its tests need, Ray Serve included (pinned; about 1 min and
# 0.6 GB more: test/ray-backend.test.ts runs the backend on a local Ray cluster), Starlette and uvicorn for the Tinker
# HTTP front (`serve --tinker-port`) and the official Tinker SDK (pinned: tests/test_tinker_front.py runs it against
# that front). Reuses a venv whose packages already match.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.venv"
requirements=(
  "torch==2.13.0"
  "transformers>=4.56,<5"
  "peft>=0.15"
  "grpcio>=1.66"
  "grpcio-tools>=1.66"
  "protobuf>=5"
  "safetensors"
  "numpy"
  "pytest"
  "tensorboard"
  "openai==3.51.0"
  "ray[serve]==2.60.0"
  "starlette==1.10.0"
  "uvicorn==0.55.0"
  "tinker==0.38.0"
)
stamp="$venv/.ajet-requirements"
wanted="$(printf '%s\n' "${requirements[@]}")"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "backend/.venv is up to date"
  exit 0
fi
python3.11 -m venv "$venv"
"$venv/bin/pip" install --quiet "${requirements[@]}"
"$venv/bin/pip" install --quiet --no-deps -e "$here"
printf '%s\n' "${requirements[@]}" > "$stamp"
echo "backend/.venv ready"
