#!/usr/bin/env bash
# Installs reportage into the project's virtual environment and runs the main job on the sample.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
# The pinned CPU build of torch first (for speaker labels): a plain `torch` would pull CUDA.
python -m pip install -q torch==2.13.0
python -m pip install -q '.[speakers]'
reportage process audio/fish-fillets-sample.mp3 "$@"
